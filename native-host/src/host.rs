//! The host's state for one process (one browser port, or one command-line run) and the
//! dispatch of each request to its action.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jira_bridge_protocol::{
    Deployment, ErrorCode, ErrorReply, Request, Response, Secret, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION,
};

use crate::actions;
use crate::config::{Config, ConfigFile, SiteConfig};
use crate::credentials::TokenStore;
use crate::jira::client::build_http_client;
use crate::jira::site_url::{normalize_site_url, ALLOW_HTTP_LOOPBACK_ENV};
use crate::jira::{Credentials, JiraClient};

/// Shared state of a host process.
pub struct Host {
    pub config_file: ConfigFile,
    pub store: Arc<dyn TokenStore>,
    pub http: reqwest::Client,
    pub allow_http_loopback: bool,
    /// Tokens read from the store during this process, so the store is asked once per
    /// site for the port's life.
    tokens: Mutex<HashMap<String, Secret>>,
    /// Serialises read-modify-write of the config file.
    pub config_lock: tokio::sync::Mutex<()>,
    /// Creates already done or in flight, by client request id.
    pub creates: actions::create_issue::CreateLedger,
}

impl Host {
    pub fn new(config_file: ConfigFile, store: Arc<dyn TokenStore>, allow_http_loopback: bool) -> Host {
        Host {
            config_file,
            store,
            http: build_http_client(allow_http_loopback),
            allow_http_loopback,
            tokens: Mutex::new(HashMap::new()),
            config_lock: tokio::sync::Mutex::new(()),
            creates: actions::create_issue::CreateLedger::with_journal(Some(crate::config::data_dir().join("pending-creates.json"))),
        }
    }

    /// Handles one request.
    pub async fn handle(&self, request: Request) -> Result<Response, ErrorReply> {
        match request {
            Request::Hello { extension_version, protocol_version } => Ok(hello(&extension_version, protocol_version)?),
            Request::Ping => Ok(Response::Pong),
            Request::Status => actions::connect::status(self).await,
            Request::Connect { site_url, email, token } => {
                actions::connect::connect(self, &site_url, email.as_deref(), &token).await
            }
            Request::Disconnect { site_url } => actions::connect::disconnect(self, site_url.as_deref()).await,
            Request::ListProjects { site_url, query } => {
                actions::projects::list_projects(self, site_url.as_deref(), query.as_deref()).await
            }
            Request::ListIssueTypes { site_url, project_key } => {
                actions::projects::list_issue_types(self, site_url.as_deref(), &project_key).await
            }
            Request::CreateIssue { site_url, issue } => {
                actions::create_issue::create_issue(self, site_url.as_deref(), issue).await
            }
            Request::SetDefaultSite { site_url } => actions::sites::set_default_site(self, &site_url).await,
            Request::GetIssue { site_url, key } => actions::issue::get_issue(self, site_url.as_deref(), &key).await,
            Request::SearchIssues { site_url, text, jql, page_token } => {
                actions::search::search_issues(self, site_url.as_deref(), text.as_deref(), jql.as_deref(), page_token.as_deref()).await
            }
            Request::RecentIssues { site_url, page_token } => {
                actions::search::recent_issues(self, site_url.as_deref(), page_token.as_deref()).await
            }
            Request::AddComment { site_url, key, body } => {
                actions::comment::add_comment(self, site_url.as_deref(), &key, &body).await
            }
            Request::ListTransitions { site_url, key } => {
                actions::transitions::list_transitions(self, site_url.as_deref(), &key).await
            }
            Request::TransitionIssue { site_url, key, transition_id, fields } => {
                actions::transitions::transition_issue(self, site_url.as_deref(), &key, &transition_id, &fields).await
            }
            Request::FindAssignableUsers { site_url, key, query } => {
                actions::assign::find_assignable_users(self, site_url.as_deref(), &key, &query).await
            }
            Request::FindUsers { site_url, project_key, query } => {
                actions::assign::find_users(self, site_url.as_deref(), &project_key, &query).await
            }
            Request::AssignIssue { site_url, key, assignee } => {
                actions::assign::assign_issue(self, site_url.as_deref(), &key, &assignee).await
            }
            Request::LogWork { site_url, key, time_spent, started, comment, remaining_estimate } => {
                let (started, comment) = (started.as_deref(), comment.as_deref());
                actions::worklog::log_work(self, site_url.as_deref(), &key, &time_spent, started, comment, &remaining_estimate).await
            }
            Request::LinkPage { site_url, key, url, title } => {
                actions::remote_link::link_page(self, site_url.as_deref(), &key, &url, title.as_deref()).await
            }
            Request::AttachScreenshot { site_url, key, file_name, png_base64 } => {
                actions::attachment::attach_screenshot(self, site_url.as_deref(), &key, &file_name, &png_base64).await
            }
            Request::SetWatching { site_url, key, watching } => {
                actions::watch::set_watching(self, site_url.as_deref(), &key, watching).await
            }
            Request::GetCreateFields { site_url, project_key, issue_type_id } => {
                actions::fields::get_create_fields(self, site_url.as_deref(), &project_key, &issue_type_id).await
            }
        }
    }

    /// Loads the config file, mapping a broken file to an error the person can fix.
    pub fn load_config(&self) -> Result<Config, ErrorReply> {
        self.config_file.load().map_err(|error| {
            log::error!("loading the configuration failed: {error:#}");
            ErrorReply::new(ErrorCode::Internal, format!("The native host's settings could not be read: {error:#}."))
        })
    }

    /// Returns the site a request names (or the default) with a client holding its token.
    pub async fn client_for(&self, site_url: Option<&str>) -> Result<(JiraClient, SiteConfig), ErrorReply> {
        let config = self.load_config()?;
        let Some(site) = config.site(site_url).cloned() else {
            return Err(not_connected(&config, site_url));
        };
        // A site saved in test mode over plain http must not fail later as a vague network error.
        if let Err(error) = normalize_site_url(&site.site_url, self.allow_http_loopback) {
            if error.code == ErrorCode::InsecureSiteUrl {
                return Err(ErrorReply::new(
                    ErrorCode::InsecureSiteUrl,
                    format!("{} was connected over plain http, which the native host allows only for a local test site while {ALLOW_HTTP_LOOPBACK_ENV}=1 is set. Connect the site with its https address.", site.site_url),
                )
                .with_details(serde_json::json!({ "siteUrl": site.site_url })));
            }
        }

        let token = self.token(&site).await?;
        let credentials = match site.deployment {
            Deployment::Cloud => Credentials::Basic { email: site.account.clone(), token },
            Deployment::DataCenter => Credentials::Bearer { token },
        };
        let mut client = JiraClient::new(self.http.clone(), &site.site_url, site.deployment, credentials);
        if let Some(api_url) = actions::connect::saved_api_url(&site, self.allow_http_loopback)? {
            client = client.with_api_url(api_url);
        }
        Ok((client, site))
    }

    async fn token(&self, site: &SiteConfig) -> Result<Secret, ErrorReply> {
        let cache_key = format!("{} {}", site.site_url, site.account);
        if let Some(token) = self.tokens.lock().expect("token cache lock").get(&cache_key) {
            return Ok(token.clone());
        }

        let store = self.store.clone();
        let (site_url, account) = (site.site_url.clone(), site.account.clone());
        let token = tokio::task::spawn_blocking(move || store.get(&site_url, &account))
            .await
            .map_err(|_| ErrorReply::new(ErrorCode::Internal, "Reading the credential store failed unexpectedly."))?
            .map_err(|error| {
                log::warn!("reading the token for {} on {} failed: {error}", site.account, site.site_url);
                error.to_reply()
            })?;

        self.tokens.lock().expect("token cache lock").insert(cache_key, token.clone());
        Ok(token)
    }

    /// Remembers a token just saved, so the next request needs no store read.
    pub fn cache_token(&self, site: &SiteConfig, token: Secret) {
        self.tokens.lock().expect("token cache lock").insert(format!("{} {}", site.site_url, site.account), token);
    }

    /// Forgets the cached token of a site.
    pub fn forget_token(&self, site: &SiteConfig) {
        self.tokens.lock().expect("token cache lock").remove(&format!("{} {}", site.site_url, site.account));
    }
}

/// Builds the error for a site that is not connected, naming the connected ones.
pub fn not_connected(config: &Config, site_url: Option<&str>) -> ErrorReply {
    let connected: Vec<&str> = config.sites.iter().map(|site| site.site_url.as_str()).collect();
    let known = if connected.is_empty() { "No site is connected.".to_string() } else { format!("Connected: {}.", connected.join(", ")) };
    match site_url {
        Some(url) => ErrorReply::new(
            ErrorCode::NotConnected,
            format!("{} is not connected. {known} Connect it first.", crate::text::shorten(url.trim(), 200)),
        )
        .with_details(serde_json::json!({ "siteUrl": crate::text::shorten(url.trim(), 200), "connected": connected })),
        None => ErrorReply::new(ErrorCode::NotConnected, "No Jira site is connected. Connect one first."),
    }
}

/// Checks the extension's protocol version and returns the host's versions.
fn hello(extension_version: &str, protocol_version: u32) -> Result<Response, ErrorReply> {
    let host_version = env!("CARGO_PKG_VERSION");
    let details = serde_json::json!({
        "hostVersion": host_version,
        "extensionVersion": extension_version,
        "hostProtocolVersion": PROTOCOL_VERSION,
        "minProtocolVersion": MIN_PROTOCOL_VERSION,
        "extensionProtocolVersion": protocol_version,
    });
    if protocol_version > PROTOCOL_VERSION {
        return Err(ErrorReply::new(
            ErrorCode::HostOutdated,
            format!("The jira-bridge native host ({host_version}) is older than the extension ({extension_version}). Update the native host: run scripts/install.sh from a current checkout."),
        )
        .with_details(details));
    }
    if protocol_version < MIN_PROTOCOL_VERSION {
        return Err(ErrorReply::new(
            ErrorCode::ExtensionOutdated,
            format!("The jira-bridge extension ({extension_version}) is older than the native host ({host_version}) supports. Update the extension."),
        )
        .with_details(details));
    }
    log::info!("hello from extension {extension_version} (protocol {protocol_version})");
    Ok(Response::Hello {
        host_version: host_version.to_string(),
        protocol_version: PROTOCOL_VERSION,
        min_protocol_version: MIN_PROTOCOL_VERSION,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_newer_extension_asks_host_update() {
        let error = hello("9.0.0", PROTOCOL_VERSION + 1).unwrap_err();

        assert_eq!(error.code, ErrorCode::HostOutdated);
        assert!(error.message.contains("Update the native host"), "message: {}", error.message);
    }

    #[test]
    fn hello_older_extension_asks_extension_update() {
        let error = hello("0.0.1", MIN_PROTOCOL_VERSION - 1).unwrap_err();

        assert_eq!(error.code, ErrorCode::ExtensionOutdated);
    }

    #[test]
    fn hello_same_version_accepted() {
        let reply = hello("0.1.0", PROTOCOL_VERSION).unwrap();

        assert!(matches!(reply, Response::Hello { protocol_version: PROTOCOL_VERSION, .. }));
    }
}
