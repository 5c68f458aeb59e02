//! Connecting a site (check the token with Jira, then store it), status and disconnect.

use jira_bridge_protocol::{Deployment, ErrorCode, ErrorReply, Response, Secret};
use serde_json::{json, Value};

use crate::config::SiteConfig;
use crate::host::Host;
use crate::jira::site_url::normalize_site_url;
use crate::jira::{Credentials, JiraClient};

/// Checks the credentials with `GET /myself` and, only if Jira accepts them, stores the
/// token in the OS credential store and the site in the config file.
pub async fn connect(host: &Host, site_url: &str, email: Option<&str>, token: &Secret) -> Result<Response, ErrorReply> {
    let base = normalize_site_url(site_url, host.allow_http_loopback)?;
    let token = token.trimmed();
    if token.is_empty() {
        return Err(invalid_input("token", "The API token is empty. Paste the token you created in your Atlassian account (or your personal access token on Data Center)."));
    }
    let email = email.map(str::trim).filter(|email| !email.is_empty());

    let deployment = detect_deployment(host, &base, email, &token).await?;
    let credentials = match (deployment, email) {
        (Deployment::Cloud, Some(email)) => Credentials::Basic { email: email.to_string(), token: token.clone() },
        (Deployment::Cloud, None) => {
            return Err(invalid_input("email", "This is a Jira Cloud site: enter the email of your Atlassian account together with the API token."));
        }
        (Deployment::DataCenter, _) => Credentials::Bearer { token: token.clone() },
    };
    let client = JiraClient::new(host.http.clone(), &base, deployment, credentials);

    let myself = client.get(&format!("{}/myself", client.api()), &[]).await?;
    let site = site_from_myself(&base, deployment, email, &myself)?;

    save(host, &site, &token).await?;
    log::info!("connected {} on {} ({:?})", site.account, site.site_url, site.deployment);
    Ok(Response::Connected { site: site.info() })
}

/// Asks the site what it runs: Cloud answers `serverInfo` on REST v3 with
/// `deploymentType: Cloud`; Data Center has only REST v2.
async fn detect_deployment(host: &Host, base: &str, email: Option<&str>, token: &Secret) -> Result<Deployment, ErrorReply> {
    if let Some(email) = email {
        let credentials = Credentials::Basic { email: email.to_string(), token: token.clone() };
        let cloud = JiraClient::new(host.http.clone(), base, Deployment::Cloud, credentials);
        match cloud.get("/rest/api/3/serverInfo", &[]).await {
            Ok(info) if info["deploymentType"] == "Cloud" => return Ok(Deployment::Cloud),
            Ok(_) => {}
            Err(error) if error.code == ErrorCode::NotFound => {}
            Err(error) => return Err(error),
        }
    }

    let server = JiraClient::new(host.http.clone(), base, Deployment::DataCenter, Credentials::Bearer { token: token.clone() });
    let info = server.get("/rest/api/2/serverInfo", &[]).await.map_err(|error| {
        if error.code == ErrorCode::NotFound {
            ErrorReply::new(
                ErrorCode::InvalidSiteUrl,
                format!("{base} does not look like a Jira site: it has no /rest/api/2/serverInfo. Check the address, including any context path such as /jira."),
            )
            .with_details(json!({ "siteUrl": base }))
        } else {
            error
        }
    })?;
    Ok(if info["deploymentType"] == "Cloud" { Deployment::Cloud } else { Deployment::DataCenter })
}

fn site_from_myself(base: &str, deployment: Deployment, email: Option<&str>, myself: &Value) -> Result<SiteConfig, ErrorReply> {
    let text = |field: &str| myself[field].as_str().map(str::to_string);
    let (account, account_id) = match deployment {
        Deployment::Cloud => (
            email.map(str::to_string).or_else(|| text("emailAddress")),
            text("accountId"),
        ),
        Deployment::DataCenter => (text("name"), text("name")),
    };
    let (Some(account), Some(account_id)) = (account, account_id) else {
        return Err(ErrorReply::new(ErrorCode::JiraRejected, format!("{base} answered /myself without the account's id. Check that the site URL is your Jira's address.")));
    };
    Ok(SiteConfig {
        site_url: base.to_string(),
        display_name: text("displayName").unwrap_or_else(|| account.clone()),
        account,
        deployment,
        account_id,
    })
}

/// Stores the token, then the site. If the site cannot be saved, the token is deleted
/// again, so a failed connect leaves nothing behind.
async fn save(host: &Host, site: &SiteConfig, token: &Secret) -> Result<(), ErrorReply> {
    let _guard = host.config_lock.lock().await;
    let mut config = host.load_config()?;
    let previous = config.site(Some(&site.site_url)).cloned();

    let store = host.store.clone();
    let (site_url, account, secret) = (site.site_url.clone(), site.account.clone(), token.clone());
    run_blocking(move || store.set(&site_url, &account, &secret)).await?;

    config.upsert(site.clone());
    if let Err(error) = host.config_file.save(&config) {
        log::error!("saving the configuration failed: {error:#}; removing the token just stored");
        let store = host.store.clone();
        let (site_url, account) = (site.site_url.clone(), site.account.clone());
        let _ = run_blocking(move || store.delete(&site_url, &account)).await;
        return Err(ErrorReply::new(ErrorCode::Internal, format!("The site could not be saved ({error:#}). Nothing was stored; fix the problem and connect again.")));
    }

    // A different account on the same site replaces the old one, whose token goes too.
    if let Some(old) = previous.filter(|old| old.account != site.account) {
        host.forget_token(&old);
        let store = host.store.clone();
        let _ = run_blocking(move || store.delete(&old.site_url, &old.account)).await;
    }
    host.cache_token(site, token.clone());
    Ok(())
}

/// Lists connected sites without any token.
pub async fn status(host: &Host) -> Result<Response, ErrorReply> {
    let config = host.load_config()?;
    let default_site = config.site(None).map(|site| site.site_url.clone());
    Ok(Response::Status { sites: config.sites.iter().map(SiteConfig::info).collect(), default_site })
}

/// Deletes a site's token from the store and forgets the site.
pub async fn disconnect(host: &Host, site_url: Option<&str>) -> Result<Response, ErrorReply> {
    let _guard = host.config_lock.lock().await;
    let mut config = host.load_config()?;
    let Some(site) = config.site(site_url).cloned() else {
        return Err(ErrorReply::new(ErrorCode::NotConnected, "That site is not connected, so there is nothing to disconnect."));
    };

    let store = host.store.clone();
    let (url, account) = (site.site_url.clone(), site.account.clone());
    run_blocking(move || store.delete(&url, &account)).await?;
    host.forget_token(&site);

    config.remove(&site.site_url);
    host.config_file.save(&config).map_err(|error| {
        ErrorReply::new(ErrorCode::Internal, format!("The token was deleted but the site list could not be saved: {error:#}."))
    })?;
    log::info!("disconnected {} on {}", site.account, site.site_url);
    Ok(Response::Disconnected { site_url: site.site_url })
}

/// Runs a credential-store call on the blocking pool; the stores block on D-Bus or on
/// the platform's API.
async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, crate::credentials::StoreError> + Send + 'static,
) -> Result<T, ErrorReply> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| ErrorReply::new(ErrorCode::Internal, "The credential store call failed unexpectedly."))?
        .map_err(|error| {
            log::warn!("credential store: {error}");
            error.to_reply()
        })
}

fn invalid_input(field: &str, message: &str) -> ErrorReply {
    ErrorReply::new(ErrorCode::InvalidInput, message).with_details(json!({ "field": field }))
}
