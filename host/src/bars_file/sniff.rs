//! Which character separates a CSV file's fields, told from its first lines.

/// The separators tried, in order of preference when two fit equally.
pub(super) const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Lines looked at: enough to see a header and a few rows agree.
const LINES: usize = 20;

/// The candidate that splits the first lines (read with the csv crate, so quoted fields count
/// right) into the same number of fields, more than one, and the most; else the one giving the
/// first line the most fields; else a comma.
pub(super) fn delimiter(head: &[u8]) -> u8 {
    // Only whole lines: the buffer may end inside one.
    let head = match head.iter().rposition(|&b| b == b'\n') {
        Some(end) => &head[..=end],
        None => head,
    };
    let mut best: Option<(usize, u8)> = None;
    let mut widest_first = (1, b',');
    for candidate in CANDIDATES {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(candidate)
            .from_reader(head);
        let counts: Vec<usize> =
            reader.records().take(LINES).map_while(Result::ok).map(|r| r.len()).collect();
        let Some(&first) = counts.first() else { continue };
        if first > widest_first.0 {
            widest_first = (first, candidate);
        }
        if first > 1 && counts.iter().all(|&n| n == first) && best.is_none_or(|(n, _)| first > n) {
            best = Some((first, candidate));
        }
    }
    best.map_or(widest_first.1, |(_, candidate)| candidate)
}

/// A separator as a message shows it.
pub(super) fn name(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "tab".to_owned(),
        other => format!("{:?}", other as char),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_separators_are_told_apart() {
        assert_eq!(delimiter(b"timestamp,open,high,low,close\n2024-01-02,1,2,0.5,1\n"), b',');
        assert_eq!(delimiter(b"Date;Open;High;Low;Close\n02.01.2024;1,10;1,12;1,09;1,11\n"), b';');
        assert_eq!(delimiter(b"<DATE>\t<TIME>\t<OPEN>\n2024.01.02\t00:00:00\t1.1\n"), b'\t');
        assert_eq!(delimiter(b"a|b|c\n1|2|3\n"), b'|');
        // Quoted commas do not count; the last, cut line is left out.
        assert_eq!(delimiter(b"\"a,b\";c;d\n1;2;3\n4;5"), b';');
        assert_eq!(delimiter(b"one field\n"), b',');
    }
}
