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
	for i := range d.Exchanges {
		x := &d.Exchanges[i]
		vhost(&x.Vhost)
		if x.Type == "" {
			x.Type = DefaultExchangeType
		}
		if x.Durable == nil {
			x.Durable = ptr(true)
		}
	}
	for i := range d.Queues {
		q := &d.Queues[i]
		vhost(&q.Vhost)
		if q.Type == "" {
			q.Type = DefaultQueueType
		}
		if q.Durable == nil {
			q.Durable = ptr(true)
		}
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
