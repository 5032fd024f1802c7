/// A URL-safe identifier: 2 to 80 characters of `a-z`, `0-9` and single inner hyphens.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    pub fn parse(text: &str) -> Result<Self, String> {
        let ok_chars = text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !(2..=80).contains(&text.len()) {
            return Err("must be 2 to 80 characters long".into());
        }
        if !ok_chars || text.starts_with('-') || text.ends_with('-') || text.contains("--") {
            return Err("may contain only a-z, 0-9 and single hyphens between them".into());
        }
        Ok(Slug(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Slug;

    #[test]
    fn accepts_catalog_slugs_and_refuses_others() {
        assert!(Slug::parse("gpt-3").is_ok());
        assert!(Slug::parse("llama-3-1-405b").is_ok());
        for bad in ["", "a", "GPT-3", "gpt_3", "-gpt", "gpt-", "gpt--3", "gpt 3", "ü-model"] {
            assert!(Slug::parse(bad).is_err(), "{bad} should be refused");
        }
    }
}
