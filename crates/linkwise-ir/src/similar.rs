//! Edit distance for "did you mean" suggestions: one implementation for the parser's link kinds and types and
//! for target triples (crates/linkwise/src/triple.rs). The checker's name suggestions use their own bounded
//! form (check.rs `edit_distance_within`), which stops early and counts its work so that a module of many
//! names cannot make it quadratic.

/// Levenshtein's distance between `a` and `b`, by characters, one row at a time: O(|a|·|b|) time, O(|b|)
/// memory. Callers bound one side (a keyword, a supported triple), so the cost is linear in the other.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != cb)).min(row[j] + 1).min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The candidate nearest to `written`, when it is within `limit` edits (ties go to the earlier candidate).
pub fn closest<'c>(written: &str, candidates: &[&'c str], limit: usize) -> Option<&'c str> {
    candidates
        .iter()
        .map(|c| (edit_distance(written, c), *c))
        .min_by_key(|&(d, _)| d)
        .filter(|&(d, _)| d <= limit)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_and_the_closest() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("i33", "i32"), 1);
        assert_eq!(closest("i33", &["i8", "i32", "i64"], 1), Some("i32"));
        assert_eq!(closest("string", &["i8", "i32"], 1), None);
    }
}
