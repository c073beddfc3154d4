//! UK postcodes: checked for shape (not against the postcode file) and written the way
//! Royal Mail prints them, upper case with one space before the inward code.

pub fn normalise(raw: &str) -> Result<String, String> {
    let compact: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let err = || {
        format!(
            "{} is not a UK postcode; write it like LS7 3HB or B18 4AA",
            raw.trim()
        )
    };
    if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
        return Err(err());
    }
    let (outward, inward) = compact.split_at(compact.len() - 3);
    let inward_ok = {
        let b = inward.as_bytes();
        b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
    };
    let outward_ok = outward.as_bytes()[0].is_ascii_alphabetic()
        && outward.chars().all(|c| c.is_ascii_alphanumeric())
        && outward.chars().any(|c| c.is_ascii_digit());
    if inward_ok && outward_ok {
        Ok(format!("{outward} {inward}"))
    } else {
        Err(err())
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn formats_valid_postcodes() {
        assert_eq!(normalise("ls73hb").unwrap(), "LS7 3HB");
        assert_eq!(normalise(" B18  4AA ").unwrap(), "B18 4AA");
        assert_eq!(normalise("EC1A 1BB").unwrap(), "EC1A 1BB");
        assert_eq!(normalise("M1 1AE").unwrap(), "M1 1AE");
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in ["", "LS7", "12345", "LS7 HB3", "ABCDEFG", "LS7 3H!"] {
            assert!(normalise(bad).is_err(), "{bad}");
        }
    }
}
