//! The connect form: site URL, email and API token, checked and turned into `connect`.

use crate::relay::RelayError;
use crate::screen::site_label;
use crate::FieldError;
use jira_bridge_protocol::{Deployment, ErrorCode, Request, Secret, SiteInfo};

/// Atlassian's page for creating API tokens, opened in a new tab from the connect form.
/// The extension never fetches it.
pub const API_TOKEN_PAGE: &str = "https://id.atlassian.com/manage-profile/security/api-tokens";

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

/// A site to connect again: its token is missing from the credential store, or the host
/// has no such site in its config. Taken from the `details` of a `notConnected` error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReconnectTarget {
    pub site_url: String,
    /// The account the missing token belonged to; empty when the error named none.
    pub account: String,
}

impl ReconnectTarget {
    /// Returns the target named by a `notConnected` error's `details.siteUrl` and
    /// `details.account`, or `None` for any other error.
    pub fn from_error(error: &RelayError) -> Option<ReconnectTarget> {
        let RelayError::Host(reply) = error else {
            return None;
        };
        if reply.code != ErrorCode::NotConnected {
            return None;
        }
        let details = reply.details.as_ref()?;
        let text = |name: &str| {
            details
                .get(name)
                .and_then(|value| value.as_str())
                .map(str::trim)
        };
        let site_url = text("siteUrl").filter(|url| !url.is_empty())?;

        Some(ReconnectTarget {
            site_url: site_url.to_string(),
            account: text("account").unwrap_or_default().to_string(),
        })
    }

    /// Returns the values for the connect form's site URL and email inputs. The account
    /// goes into Email only on Cloud, because a Data Center account is a user name and
    /// its personal access token needs no email. A site missing from `sites` counts as
    /// Cloud when its account looks like an email.
    pub fn form_values(&self, sites: &[SiteInfo]) -> (String, String) {
        let deployment = sites
            .iter()
            .find(|site| site.site_url == self.site_url)
            .map(|site| site.deployment);
        let cloud = match deployment {
            Some(Deployment::Cloud) => true,
            Some(Deployment::DataCenter) => false,
            None => self.account.contains('@'),
        };
        let email = if cloud {
            self.account.clone()
        } else {
            String::new()
        };
        (self.site_url.clone(), email)
    }
}

/// Returns the question the inline confirmation asks before `disconnect`.
pub fn disconnect_question(site: &SiteInfo) -> String {
    format!(
        "Disconnect {}? This deletes the API token of {} from this computer's credential store; connecting again needs a token.",
        site_label(site),
        site.account
    )
}

/// Returns the news after `disconnect`: the site removed and the site now in use, if any.
pub fn disconnected_message(removed: &SiteInfo, now_in_use: Option<&SiteInfo>) -> String {
    let next = match now_in_use {
        Some(site) => format!("Now using {}.", site_label(site)),
        None => "No site is connected now.".to_string(),
    };
    format!(
        "Disconnected {} and deleted its token from the credential store. {next}",
        site_label(removed)
    )
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

    fn not_connected(details: Option<serde_json::Value>) -> RelayError {
        let mut reply = jira_bridge_protocol::ErrorReply::new(
            ErrorCode::NotConnected,
            "No token is saved for ada@example.com on https://a.atlassian.net. Connect the site again.",
        );
        reply.details = details;
        RelayError::Host(reply)
    }

    fn site(url: &str, deployment: Deployment) -> SiteInfo {
        SiteInfo {
            site_url: url.into(),
            account: "ada@example.com".into(),
            display_name: "Ada".into(),
            deployment,
        }
    }

    #[test]
    fn reconnect_target_from_missing_token() {
        let error = not_connected(Some(serde_json::json!({
            "siteUrl": "https://a.atlassian.net",
            "account": "ada@example.com",
        })));

        let target = ReconnectTarget::from_error(&error);

        assert_eq!(
            target,
            Some(ReconnectTarget {
                site_url: "https://a.atlassian.net".into(),
                account: "ada@example.com".into(),
            })
        );
    }

    #[test]
    fn reconnect_target_needs_site_url() {
        let without_details = not_connected(None);
        let without_site = not_connected(Some(serde_json::json!({ "account": "ada" })));
        let other_code = RelayError::Host(jira_bridge_protocol::ErrorReply::new(
            ErrorCode::AuthenticationFailed,
            "Jira rejected the token.",
        ));

        assert_eq!(
            ReconnectTarget::from_error(&without_details),
            None,
            "no details, no target"
        );
        assert_eq!(
            ReconnectTarget::from_error(&without_site),
            None,
            "no siteUrl, no target"
        );
        assert_eq!(
            ReconnectTarget::from_error(&other_code),
            None,
            "only notConnected offers a reconnect"
        );
        assert_eq!(
            ReconnectTarget::from_error(&RelayError::Relay("gone".into())),
            None,
            "a relay failure offers no reconnect"
        );
    }

    #[test]
    fn reconnect_email_only_on_cloud() {
        let cloud = ReconnectTarget {
            site_url: "https://a.atlassian.net".into(),
            account: "ada@example.com".into(),
        };
        let data_center = ReconnectTarget {
            site_url: "https://jira.example.com".into(),
            account: "ada".into(),
        };
        let sites = [
            site("https://a.atlassian.net", Deployment::Cloud),
            site("https://jira.example.com", Deployment::DataCenter),
        ];

        assert_eq!(
            cloud.form_values(&sites),
            (
                "https://a.atlassian.net".to_string(),
                "ada@example.com".to_string()
            )
        );
        assert_eq!(
            data_center.form_values(&sites),
            ("https://jira.example.com".to_string(), String::new()),
            "a Data Center user name must not go into Email"
        );
        assert_eq!(
            cloud.form_values(&[]).1,
            "ada@example.com",
            "an unknown site with an email account counts as Cloud"
        );
        assert_eq!(
            data_center.form_values(&[]).1,
            "",
            "an unknown site with a user name counts as Data Center"
        );
    }

    #[test]
    fn disconnect_texts_name_sites() {
        let cloud = site("https://a.atlassian.net", Deployment::Cloud);
        let data_center = site("https://jira.example.com", Deployment::DataCenter);

        let question = disconnect_question(&cloud);
        let with_next = disconnected_message(&cloud, Some(&data_center));
        let last = disconnected_message(&cloud, None);

        assert!(question.contains("a.atlassian.net (Cloud)"), "the question names the site: {question}");
        assert!(question.contains("ada@example.com"), "the question names the account: {question}");
        assert!(with_next.starts_with("Disconnected a.atlassian.net (Cloud)"), "the news names the site: {with_next}");
        assert!(
            with_next.ends_with("Now using jira.example.com (Data Center)."),
            "the news names the site now in use: {with_next}"
        );
        assert!(last.ends_with("No site is connected now."), "the news says none is left: {last}");
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
