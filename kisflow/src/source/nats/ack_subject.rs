//! The two numbers a source needs from a JetStream message's ack subject, read without the
//! rest.
//!
//! `async_nats`'s `Message::info` parses every token of the subject, the publish time into a
//! date among them: about 2,000 instructions a message, most of a JetStream message's own cost
//! in the source. Only the stream sequence (the message's id) and the delivery count are used.

/// The prefix of every ack subject.
const PREFIX: &str = "$JS.ACK.";

/// `(stream sequence, deliveries)` from an ack subject in either form ADR-15 defines, as
/// `Message::info` reads them: `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.…` (7
/// tokens after the prefix), or with a domain and an account hash in front (9 or more). `None`
/// for any other subject.
pub(super) fn sequence_and_deliveries(reply: &str) -> Option<(u64, i64)> {
    let tokens = reply.strip_prefix(PREFIX)?.as_bytes();
    // One pass over the bytes, noting where the first tokens start: `str::split('.')` and its
    // searcher, or a count of the dots and then a split, cost twice as much.
    let mut starts = [0; 7];
    let mut count = 1;
    for (at, &byte) in tokens.iter().enumerate() {
        if byte == b'.' {
            if let Some(start) = starts.get_mut(count) {
                *start = at + 1;
            }
            count += 1;
        }
    }
    let delivered = match count {
        7 => 2,
        n if n >= 9 => 4,
        _ => return None,
    };
    let token = |i: usize| &tokens[starts[i]..starts[i + 1] - 1];
    Some((number(token(delivered + 1))?, number(token(delivered))?))
}

fn number<N: std::str::FromStr>(token: &[u8]) -> Option<N> {
    std::str::from_utf8(token).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::sequence_and_deliveries;

    #[test]
    fn both_forms_give_the_sequence_and_deliveries() {
        let old = "$JS.ACK.orders.billing.3.1042.77.1700000000000000000.5";
        assert_eq!(sequence_and_deliveries(old), Some((1042, 3)));
        let new = "$JS.ACK._.ACCHASH.orders.billing.1.42.40.1700000000000000000.0";
        assert_eq!(sequence_and_deliveries(new), Some((42, 1)));
        let token = "$JS.ACK.hub.ACCHASH.orders.billing.2.9.9.1700000000000000000.0.tok.x";
        assert_eq!(sequence_and_deliveries(token), Some((9, 2)));
    }

    #[test]
    fn other_subjects_give_nothing() {
        for subject in [
            "orders",
            "$JS.ACK.orders.billing.3",
            "$JS.ACK.orders.billing.x.1042.77.1700000000000000000.5",
            "$JS.ACK.a.b.c.d.e.f.g.h",
        ] {
            assert_eq!(sequence_and_deliveries(subject), None, "{subject}");
        }
    }
}
