//! JIDs (RFC 7622), checked enough to refuse what no server accepts before any connection is
//! made. Full PRECIS profiles need Unicode tables we do not carry; the server applies them.

/// `local@domain/resource`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jid {
    pub local: Option<String>,
    pub domain: String,
    pub resource: Option<String>,
}

impl Jid {
    /// Parses a JID; `None` when it cannot be one (empty parts, forbidden characters, too long).
    pub fn parse(text: &str) -> Option<Jid> {
        let text = text.trim();
        let (bare, resource) = match text.split_once('/') {
            Some((b, r)) => (b, Some(r)),
            None => (text, None),
        };
        let (local, domain) = match bare.split_once('@') {
            Some((l, d)) => (Some(l), d),
            None => (None, bare),
        };
        let domain = domain.strip_suffix('.').unwrap_or(domain).to_lowercase();
        if domain.is_empty()
            || domain.len() > 1023
            || domain.contains('@')
            || domain.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return None;
        }
        if let Some(l) = local {
            // RFC 7622 §3.3.1: these may not appear in a localpart.
            if l.is_empty()
                || l.len() > 1023
                || l.chars().any(|c| {
                    matches!(c, '"' | '&' | '\'' | '/' | ':' | '<' | '>' | '@')
                        || c.is_whitespace()
                        || c.is_control()
                })
            {
                return None;
            }
        }
        if let Some(r) = resource {
            if r.is_empty() || r.len() > 1023 || r.chars().any(char::is_control) {
                return None;
            }
        }
        Some(Jid {
            local: local.map(str::to_owned),
            domain,
            resource: resource.map(str::to_owned),
        })
    }

    pub fn bare(&self) -> String {
        match &self.local {
            Some(l) => format!("{l}@{}", self.domain),
            None => self.domain.clone(),
        }
    }
}

impl std::fmt::Display for Jid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.bare())?;
        if let Some(r) = &self.resource {
            write!(f, "/{r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_forms() {
        let j = Jid::parse("тест@LocalHost/res/with/slash").unwrap();
        assert_eq!(j.local.as_deref(), Some("тест"));
        assert_eq!(j.domain, "localhost");
        assert_eq!(j.resource.as_deref(), Some("res/with/slash"));
        assert_eq!(j.to_string(), "тест@localhost/res/with/slash");
        assert_eq!(
            Jid::parse("room@conference.example.org").unwrap().bare(),
            "room@conference.example.org"
        );
        assert_eq!(Jid::parse("example.org").unwrap().local, None);
    }

    #[test]
    fn refuses_what_cannot_be_a_jid() {
        for bad in [
            "",
            "@localhost",
            "a@",
            "a b@localhost",
            "a@b@c",
            "a<b@localhost",
            "a@localhost/",
            "a@loc host",
        ] {
            assert!(Jid::parse(bad).is_none(), "{bad}");
        }
    }
}
