//go:build e2e

package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

func dial(url string, tlsCfg *tls.Config) (*amqp.Connection, error) {
	cfg := amqp.Config{Dial: amqp.DefaultDial(10 * time.Second), Heartbeat: 5 * time.Second, TLSClientConfig: tlsCfg}
	return amqp.DialConfig(url, cfg)
}

// loginPlain opens and closes an AMQP connection to host:port as user with SASL PLAIN: the exact bytes,
// no URL escaping (a URL cannot carry every password).
func loginPlain(hostport, user, password string) error {
	conn, err := amqp.DialConfig("amqp://"+hostport+"/", amqp.Config{Dial: amqp.DefaultDial(10 * time.Second),
		SASL: []amqp.Authentication{&amqp.PlainAuth{Username: user, Password: password}}})
	if err == nil {
		conn.Close()
	}
	return err
}

// accessRefused: the broker refused the credentials (not a network error).
func accessRefused(err error) bool {
	return err != nil && (errors.Is(err, amqp.ErrCredentials) || strings.Contains(err.Error(), "403"))
}

// declare makes a durable queue: classic (the article's drill) or quorum (replicated). A new quorum queue's
// leader goes to the node the client is connected to (client-local), so a test can choose which pod hosts it.
func declare(ch *amqp.Channel, queue string, quorum bool) error {
	args := amqp.Table{}
	if quorum {
		args["x-queue-type"] = "quorum"
		args["x-queue-leader-locator"] = "client-local"
	}
	_, err := ch.QueueDeclare(queue, true, false, false, false, args)
	return err
}

// openQueue connects, opens a channel and declares queue; the caller closes the connection.
func openQueue(url, queue string, quorum bool) (*amqp.Connection, *amqp.Channel, error) {
	conn, err := dial(url, nil)
	if err != nil {
		return nil, nil, err
	}
	ch, err := conn.Channel()
	if err == nil {
		err = declare(ch, queue, quorum)
	}
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, ch, nil
}

// publishConfirmed publishes n persistent messages "0".."n-1" with publisher confirms and returns when the
// broker has acked every one (a nack or a lost connection is an error).
func publishConfirmed(url, queue string, quorum bool, n int) error {
	conn, ch, err := openQueue(url, queue, quorum)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := ch.Confirm(false); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var dcs []*amqp.DeferredConfirmation
	for i := 0; i < n; i++ {
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false,
			amqp.Publishing{DeliveryMode: amqp.Persistent, Body: []byte(strconv.Itoa(i))})
		if err != nil {
			return fmt.Errorf("publish %d: %v", i, err)
		}
		dcs = append(dcs, dc)
	}
	for i, dc := range dcs {
		if ok, err := dc.WaitContext(ctx); err != nil || !ok {
			return fmt.Errorf("message %d not confirmed (ack=%v, err=%v)", i, ok, err)
		}
	}
	return nil
}

// drain consumes (and acks) every message of the queue until it stays empty for idle; returns the bodies.
func drain(url, queue string, idle time.Duration) (map[string]int, error) {
	conn, err := dial(url, nil)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	if err := ch.Qos(500, 0, false); err != nil {
		return nil, err
	}
	msgs, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		return nil, fmt.Errorf("consume %s: %v", queue, err)
	}
	got := map[string]int{}
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				return got, fmt.Errorf("consumer of %s closed after %d messages", queue, len(got))
			}
			got[string(m.Body)]++
			if err := m.Ack(false); err != nil {
				return got, err
			}
		case <-time.After(idle):
			return got, nil
		}
	}
}

// publisher keeps publishing persistent messages with confirms to a quorum queue until stopped, reconnecting
// (to the client Service) whenever the connection breaks; it records which sequence numbers were confirmed.
// The first connection goes to firstURL (a pod: it then hosts the connection and the queue's leader).
type publisher struct {
	url, queue string
	firstURL   string
	mu         sync.Mutex
	confirmed  map[int]bool
	sent       int
	errors     []string
	maxGap     time.Duration // the longest time without a confirm: how long the queue was unavailable
	stop       chan struct{}
	done       chan struct{}
}

func startPublisher(url, firstURL, queue string) *publisher {
	p := &publisher{url: url, firstURL: firstURL, queue: queue, confirmed: map[int]bool{}, stop: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

func (p *publisher) stopped() bool {
	select {
	case <-p.stop:
		return true
	default:
		return false
	}
}

func (p *publisher) run() {
	defer close(p.done)
	last := time.Now()
	for !p.stopped() {
		if err := p.session(&last); err != nil {
			p.mu.Lock()
			p.errors = append(p.errors, err.Error())
			p.mu.Unlock()
			time.Sleep(500 * time.Millisecond)
		}
	}
}

// session: one connection; publishes one message at a time and waits for its confirm (simple and exact).
func (p *publisher) session(last *time.Time) error {
	u := p.url
	if p.firstURL != "" {
		u, p.firstURL = p.firstURL, ""
	}
	conn, ch, err := openQueue(u, p.queue, true)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := ch.Confirm(false); err != nil {
		return err
	}
	for !p.stopped() {
		p.mu.Lock()
		seq := p.sent
		p.sent++
		p.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", p.queue, true, false,
			amqp.Publishing{DeliveryMode: amqp.Persistent, Body: []byte(strconv.Itoa(seq))})
		if err == nil {
			var ok bool
			ok, err = dc.WaitContext(ctx)
			if err == nil && !ok {
				err = fmt.Errorf("message %d nacked", seq)
			}
		}
		cancel()
		if err != nil {
			return err
		}
		p.mu.Lock()
		p.confirmed[seq] = true
		if gap := time.Since(*last); gap > p.maxGap {
			p.maxGap = gap
		}
		*last = time.Now()
		p.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// finish stops the publisher and returns the confirmed sequence numbers.
func (p *publisher) finish() (confirmed map[int]bool, sent int, maxGap time.Duration, errs []string) {
	close(p.stop)
	<-p.done
	return p.confirmed, p.sent, p.maxGap, p.errors
}

// lostConfirmed lists confirmed messages that the queue no longer holds (duplicates of unconfirmed
// publishes are allowed: at-least-once).
func lostConfirmed(confirmed map[int]bool, got map[string]int) []int {
	var lost []int
	for seq := range confirmed {
		if got[strconv.Itoa(seq)] == 0 {
			lost = append(lost, seq)
		}
	}
	return lost
}
