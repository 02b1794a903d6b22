//go:build e2e

package rabbitmq

import (
	"context"
	"errors"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

func dial(url string) (*amqp.Connection, error) {
	return amqp.DialConfig(url, amqp.Config{Dial: amqp.DefaultDial(10 * time.Second), Heartbeat: 10 * time.Second})
}

// publishConfirmed declares the durable queue and publishes n persistent messages "msg-000000".. with publisher
// confirms; it returns when the broker has confirmed (acked) every message.
func publishConfirmed(url, queue string, n int) error {
	conn, err := dial(url)
	if err != nil {
		return err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	if _, err := ch.QueueDeclare(queue, true, false, false, false, nil); err != nil {
		return fmt.Errorf("declare %s: %v", queue, err)
	}
	if err := ch.Confirm(false); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	confirms := make([]*amqp.DeferredConfirmation, 0, n)
	for i := 0; i < n; i++ {
		dc, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, true, false, amqp.Publishing{
			DeliveryMode: amqp.Persistent, ContentType: "text/plain", MessageId: fmt.Sprintf("msg-%06d", i),
			Body: []byte(fmt.Sprintf("msg-%06d", i)),
		})
		if err != nil {
			return fmt.Errorf("publish %d: %v", i, err)
		}
		confirms = append(confirms, dc)
	}
	nacked := 0
	for _, dc := range confirms {
		ok, err := dc.WaitContext(ctx)
		if err != nil {
			return fmt.Errorf("waiting for confirms: %v", err)
		}
		if !ok {
			nacked++
		}
	}
	if nacked > 0 {
		return fmt.Errorf("%d of %d messages nacked by the broker", nacked, n)
	}
	return nil
}

// queueMessages returns the ready-message count of a queue (passive declare); exists=false on 404 NOT_FOUND.
func queueMessages(url, queue string) (count int, exists bool, err error) {
	conn, err := dial(url)
	if err != nil {
		return 0, false, err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return 0, false, err
	}
	q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
	var ae *amqp.Error
	if errors.As(err, &ae) && ae.Code == amqp.NotFound {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return q.Messages, true, nil
}

// consumeAll consumes (manual ack) until the queue stays empty for idle; it returns the bodies received.
func consumeAll(url, queue string, idle time.Duration) ([]string, error) {
	conn, err := dial(url)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return nil, err
	}
	if err := ch.Qos(200, 0, false); err != nil {
		return nil, err
	}
	deliveries, err := ch.Consume(queue, "e2e-drill", false, false, false, false, nil)
	if err != nil {
		return nil, err
	}
	var got []string
	for {
		select {
		case m, ok := <-deliveries:
			if !ok {
				return got, fmt.Errorf("consumer channel closed after %d messages", len(got))
			}
			got = append(got, string(m.Body))
			if err := m.Ack(false); err != nil {
				return got, err
			}
		case <-time.After(idle):
			return got, nil
		}
	}
}
