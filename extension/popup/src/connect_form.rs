//! The connect form: site URL, email and API token, checked and turned into `connect`.

use crate::FieldError;
use jira_bridge_protocol::{Request, Secret};

/// Values of the connect form as typed. The token is held as a [`Secret`] so that no
/// Debug output shows it.
#[derive(Debug, Clone, Default)]
pub struct ConnectForm {
    pub site_url: String,
    pub email: String,
    pub token: Secret,
}

impl ConnectForm {
    /// Checks the fields and builds the `connect` request. The native host validates the
    /// site URL again, and only it decides whether plain http is allowed.
    pub fn to_request(&self) -> Result<Request, FieldError> {
        let site_url = normalise_site_url(&self.site_url)?;

        let email = self.email.trim();
        if !email.is_empty() && !email.contains('@') {
            return Err(FieldError::new(
                "email",
                "Enter the email of your Atlassian account, or leave it empty for a personal access token.",
            ));
        }

        let token = self.token.trimmed();
        if token.is_empty() {
            return Err(FieldError::new(
                "token",
                "Enter an API token or a personal access token.",
            ));
        }

        Ok(Request::Connect {
            site_url,
            email: (!email.is_empty()).then(|| email.to_string()),
            token,
        })
    }
}

/// Trims the site URL, adds `https://` when no scheme was typed and drops trailing
/// slashes, so `example.atlassian.net/` becomes `https://example.atlassian.net`.
fn normalise_site_url(typed: &str) -> Result<String, FieldError> {
    let trimmed = typed.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(
            "site-url",
            "Enter the address of your Jira site.",
        ));
    }

    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let lower = with_scheme.to_ascii_lowercase();
    if !lower.starts_with("https://") && !lower.starts_with("http://") {
        return Err(FieldError::new(
            "site-url",
            format!("The site URL {trimmed:?} is invalid: it must start with https://."),
        ));
    }

    let without_slash = with_scheme.trim_end_matches('/');
    if without_slash.len() <= "https://".len() || without_slash.ends_with("://") {
        return Err(FieldError::new(
            "site-url",
            format!("The site URL {trimmed:?} has no host name."),
        ));
    }
    if without_slash.chars().any(char::is_whitespace) {
        return Err(FieldError::new(
            "site-url",
            format!("The site URL {trimmed:?} contains a space."),
        ));
    }

    Ok(without_slash.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(site_url: &str, email: &str, token: &str) -> ConnectForm {
        ConnectForm {
            site_url: site_url.into(),
            email: email.into(),
            token: Secret::new(token.into()),
        }
    }

    fn connect_fields(request: Request) -> (String, Option<String>, String) {
        match request {
            Request::Connect {
                site_url,
                email,
                token,
            } => (site_url, email, token.expose().to_string()),
            other => panic!("expected connect, got {other:?}"),
        }
    }

    #[test]
    fn cloud_form_builds_connect() {
        let request = form(
            " https://example.atlassian.net/ ",
            " ada@example.com ",
            " tok-1\n",
        )
        .to_request();

        let (site_url, email, token) =
            connect_fields(request.expect("a complete form should pass"));

        assert_eq!(site_url, "https://example.atlassian.net");
        assert_eq!(email.as_deref(), Some("ada@example.com"));
        assert_eq!(
            token, "tok-1",
            "pasted whitespace around the token should be trimmed"
        );
    }

    #[test]
    fn empty_email_means_personal_access_token() {
        let request = form("https://jira.example.com/jira", "", "pat-1").to_request();

        let (site_url, email, _) =
            connect_fields(request.expect("a form without email should pass"));

        assert_eq!(
            site_url, "https://jira.example.com/jira",
            "the context path should be kept"
        );
        assert_eq!(email, None);
    }

    #[test]
    fn missing_scheme_gets_https() {
        let request = form("example.atlassian.net", "", "t").to_request();

        let (site_url, _, _) = connect_fields(request.unwrap());

        assert_eq!(site_url, "https://example.atlassian.net");
    }

    #[test]
    fn loopback_http_passed_to_host() {
        let request = form("http://127.0.0.1:8080", "", "t").to_request();

        let (site_url, _, _) = connect_fields(request.unwrap());

        assert_eq!(
            site_url, "http://127.0.0.1:8080",
            "the host, not the popup, decides on plain http"
        );
    }

    #[test]
    fn invalid_fields_name_their_input() {
        let cases = [
            (form("", "", "t"), "site-url"),
            (form("   ", "", "t"), "site-url"),
            (form("ftp://example.com", "", "t"), "site-url"),
            (form("https://", "", "t"), "site-url"),
            (form("https://exa mple.com", "", "t"), "site-url"),
            (form("https://example.com", "ada", "t"), "email"),
            (form("https://example.com", "", ""), "token"),
            (form("https://example.com", "", " \n"), "token"),
        ];

        for (form, field) in cases {
            let error = form
                .to_request()
                .expect_err("an invalid form should be rejected");
            assert_eq!(
                error.field, field,
                "wrong field for {:?}: {}",
                form.site_url, error.message
            );
        }
    }

    #[test]
    fn debug_hides_token() {
        let debug = format!("{:?}", form("https://example.com", "", "CANARY-tok"));

        assert!(
            !debug.contains("CANARY"),
            "Debug output leaked the token: {debug}"
        );
    }
}
