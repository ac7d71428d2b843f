//! The two numbers a source needs from a JetStream message's ack subject, read without the
//! rest.
//!
//! `async_nats`'s `Message::info` parses every token of the subject, the publish time into a
//! date among them: about 2,000 instructions a message, most of a JetStream message's own cost
//! in the source. Only the stream sequence (the message's id) and the delivery count are used.

/// The prefix of every ack subject.
const PREFIX: &str = "$JS.ACK.";

/// A dot in every byte, and the low seven bits of every byte: for finding dots eight bytes at a
/// time.
const DOTS: u64 = u64::from_le_bytes([b'.'; 8]);
const LOW7: u64 = u64::from_le_bytes([0x7F; 8]);

/// `(stream sequence, deliveries)` from an ack subject in either form ADR-15 defines, as
/// `Message::info` reads them: `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.…` (7
/// tokens after the prefix), or with a domain and an account hash in front (9 or more). `None`
/// for any other subject.
pub(super) fn sequence_and_deliveries(reply: &str) -> Option<(u64, u64)> {
    let tokens = reply.strip_prefix(PREFIX)?.as_bytes();
    // The dots are found eight bytes at a time and the digits read by hand: a byte-wise pass
    // with `str::parse` of each number cost about 550 instructions a message, this about 250.
    // Every dot is counted (the count tells the form); the first eight are noted.
    let mut dots = [0; 8];
    let mut count = 0;
    let mut note = |word: u64, base: usize| {
        // A byte of `x` is zero exactly where `word` has a dot; this sets that byte's top bit
        // and no other (no carry crosses a byte).
        let x = word ^ DOTS;
        let mut found = !(((x & LOW7) + LOW7) | x | LOW7);
        while found != 0 {
            if let Some(dot) = dots.get_mut(count) {
                *dot = base + found.trailing_zeros() as usize / 8;
            }
            count += 1;
            found &= found - 1;
        }
    };
    let mut chunks = tokens.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        note(u64::from_le_bytes(chunk.try_into().ok()?), base);
        base += 8;
    }
    let mut last = [0; 8];
    last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    note(u64::from_le_bytes(last), base);
    let delivered = match count + 1 {
        7 => 2,
        n if n >= 9 => 4,
        _ => return None,
    };
    // Token `i` (from 1) lies between dots `i - 1` and `i`.
    let token = |i: usize| &tokens[dots[i - 1] + 1..dots[i]];
    Some((number(token(delivered + 1))?, number(token(delivered))?))
}

/// `digits` as a decimal number; `None` when empty, not all digits, or past `u64`.
fn number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &byte in digits {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(digit))?;
    }
    Some(n)
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
        let most = "$JS.ACK.s.c.1.18446744073709551615.1.1.0";
        assert_eq!(sequence_and_deliveries(most), Some((u64::MAX, 1)));
        // Dots on both sides of an eight-byte boundary, and a subject of whole words.
        let edges = "$JS.ACK.abcdefg.h.12.3456.7.8.9";
        assert_eq!(sequence_and_deliveries(edges), Some((3456, 12)));
        let words = "$JS.ACK.s.c.2.7.1.1.12345678901234567890";
        assert_eq!((words.len() - 8) % 8, 0);
        assert_eq!(sequence_and_deliveries(words), Some((7, 2)));
    }

    #[test]
    fn other_subjects_give_nothing() {
        for subject in [
            "orders",
            "$JS.ACK.orders.billing.3",
            "$JS.ACK.orders.billing.x.1042.77.1700000000000000000.5",
            "$JS.ACK.orders.billing.3.10x2.77.1700000000000000000.5",
            "$JS.ACK.orders.billing..1042.77.1700000000000000000.5",
            "$JS.ACK.orders.billing.+3.1042.77.1700000000000000000.5",
            "$JS.ACK.s.c.1.18446744073709551616.1.1.0",
            "$JS.ACK.a.b.c.d.e.f.g.h",
        ] {
            assert_eq!(sequence_and_deliveries(subject), None, "{subject}");
        }
    }
}
