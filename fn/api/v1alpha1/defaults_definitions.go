package v1alpha1

// Defaults of spec.definitions.
const (
	DefaultVhost           = "/"
	DefaultExchangeType    = "direct"
	DefaultQueueType       = QueueClassic
	DefaultDestinationType = DestinationQueue
	DefaultPolicyApplyTo   = "all"
)

// Queue types and binding destination types.
const (
	QueueClassic        = "classic"
	QueueQuorum         = "quorum"
	QueueStream         = "stream"
	DestinationQueue    = "queue"
	DestinationExchange = "exchange"
)

func (d *Definitions) defaults() {
	vhost := func(v *string) {
		if *v == "" {
			*v = DefaultVhost
		}
	}
	// exchanges and queues: a vhost, a type, durable unless said otherwise
	declared := func(vhost, typ *string, durable **bool, defaultType string) {
		if *vhost == "" {
			*vhost = DefaultVhost
		}
		if *typ == "" {
			*typ = defaultType
		}
		if *durable == nil {
			*durable = ptr(true)
		}
	}
	for i := range d.Exchanges {
		x := &d.Exchanges[i]
		declared(&x.Vhost, &x.Type, &x.Durable, DefaultExchangeType)
	}
	for i := range d.Queues {
		q := &d.Queues[i]
		declared(&q.Vhost, &q.Type, &q.Durable, DefaultQueueType)
	}
	for i := range d.Bindings {
		b := &d.Bindings[i]
		vhost(&b.Vhost)
		if b.DestinationType == "" {
			b.DestinationType = DefaultDestinationType
		}
	}
	for i := range d.Policies {
		p := &d.Policies[i]
		vhost(&p.Vhost)
		if p.ApplyTo == "" {
			p.ApplyTo = DefaultPolicyApplyTo
		}
	}
}
