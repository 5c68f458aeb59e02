//! Connecting a site (check the token with Jira, then store it), status and disconnect.
//!
//! A Jira Cloud site accepts classic API tokens itself, but scoped API tokens work only
//! through Atlassian's API gateway, `https://api.atlassian.com/ex/jira/{cloudId}`. Both are
//! sent as Basic auth with the account's email and look alike, so connect tries the site
//! first and the gateway when the site rejects the credentials.

use jira_bridge_protocol::{Deployment, ErrorCode, ErrorReply, Response, Secret};
use reqwest::header;
use serde_json::{json, Value};
use url::Url;

use crate::config::SiteConfig;
use crate::host::Host;
use crate::jira::site_url::{normalize_site_url, ALLOW_HTTP_LOOPBACK_ENV};
use crate::jira::{Credentials, JiraClient};

/// Origin of Atlassian's API gateway. Besides the site itself, it is the only address a
/// token is sent to, and only for a Cloud site.
pub const ATLASSIAN_GATEWAY_ORIGIN: &str = "https://api.atlassian.com";

/// Environment variable that replaces [`ATLASSIAN_GATEWAY_ORIGIN`] with a loopback test
/// server. It is accepted only together with `JIRA_BRIDGE_ALLOW_HTTP_LOOPBACK=1`.
pub const GATEWAY_URL_ENV: &str = "JIRA_BRIDGE_GATEWAY_URL";

/// Path where a Jira Cloud site publishes its cloud id as `{"cloudId": "..."}`, readable
/// without credentials.
const TENANT_INFO_PATH: &str = "/_edge/tenant_info";

/// Largest `tenant_info` body read; the real one is well under 100 bytes.
const MAX_TENANT_INFO_BYTES: usize = 64 * 1024;

/// Checks the credentials with `GET /myself` and, only if Jira accepts them, stores the
/// token in the OS credential store and the site in the config file.
pub async fn connect(host: &Host, site_url: &str, email: Option<&str>, token: &Secret) -> Result<Response, ErrorReply> {
    let base = normalize_site_url(site_url, host.allow_http_loopback)?;
    let token = token.trimmed();
    if token.is_empty() {
        return Err(invalid_input("token", "The API token is empty. Paste the token you created in your Atlassian account (or your personal access token on Data Center)."));
    }
    check_token_shape(&token)?;
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

    let (client, myself) = check_credentials(host, client).await?;
    let site = site_from_myself(&client, email, &myself)?;

    save(host, &site, &token).await?;
    match &site.api_url {
        Some(api_url) => log::info!("connected {} on {} ({:?}) through {api_url}", site.account, site.site_url, site.deployment),
        None => log::info!("connected {} on {} ({:?})", site.account, site.site_url, site.deployment),
    }
    Ok(Response::Connected { site: site.info() })
}

/// Reads `/myself` with the credentials. When a Cloud site rejects them, tries Atlassian's
/// API gateway with the same credentials, because a scoped API token works only there.
/// Returns the client whose requests succeeded, with the account Jira returned.
async fn check_credentials(host: &Host, client: JiraClient) -> Result<(JiraClient, Value), ErrorReply> {
    let myself_path = format!("{}/myself", client.api());
    let rejected = match client.get(&myself_path, &[]).await {
        Ok(myself) => return Ok((client, myself)),
        Err(error) if error.code == ErrorCode::AuthenticationFailed && client.deployment() == Deployment::Cloud => error,
        Err(error) => return Err(error),
    };

    // A bad gateway setting is reported before anything is sent.
    let origin = gateway_origin(host.allow_http_loopback)?;
    let site_url = client.site_url().to_string();
    // Atlassian's gateway serves only sites Atlassian hosts, so a token rejected by any
    // other site, a local test site included, is never sent there. Only a loopback test
    // gateway may stand in for it.
    if origin == ATLASSIAN_GATEWAY_ORIGIN && !is_atlassian_cloud_site(&site_url) {
        log::info!("{site_url} rejected the credentials and is not hosted by Atlassian, so {origin} was not tried");
        return Err(rejected);
    }
    let cloud_id = match fetch_cloud_id(host, &site_url).await {
        Ok(cloud_id) => cloud_id,
        Err(reason) => {
            log::info!("{site_url} rejected the credentials and Atlassian's API gateway was not tried: {reason}");
            return Err(rejected);
        }
    };

    let api_url = gateway_api_url(&origin, &cloud_id);
    log::info!("{site_url} rejected the credentials; trying them through {api_url}, as for a scoped API token");
    let gateway = client.with_api_url(&api_url);
    match gateway.get(&myself_path, &[]).await {
        Ok(myself) => Ok((gateway, myself)),
        // The site's own rejection is the clearer message: the token is wrong for both.
        Err(error) if error.code == ErrorCode::AuthenticationFailed => Err(rejected),
        // The site's 401 is certain, but the gateway's failure may be the real cause for a
        // scoped token, so the reply carries both.
        Err(error) => Err(gateway_unchecked(rejected, &error)),
    }
}

/// Adds the gateway's failure to the site's rejection of the credentials.
fn gateway_unchecked(rejected: ErrorReply, gateway_error: &ErrorReply) -> ErrorReply {
    let message = format!(
        "{} If this is an API token with scopes, Atlassian's API gateway could not check it either: {}",
        rejected.message, gateway_error.message
    );
    let mut details = rejected.details.clone().filter(Value::is_object).unwrap_or_else(|| json!({}));
    details["gateway"] = json!({ "name": gateway_error.name, "message": gateway_error.message, "details": gateway_error.details });
    ErrorReply { message, details: Some(details), ..rejected }
}

/// Reads the site's cloud id from [`TENANT_INFO_PATH`], without credentials. The error
/// is text for the log.
async fn fetch_cloud_id(host: &Host, site_url: &str) -> Result<String, String> {
    let url = format!("{site_url}{TENANT_INFO_PATH}");
    let mut response = host
        .http
        .get(&url)
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|error| format!("GET {TENANT_INFO_PATH} failed: {error}"))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("GET {TENANT_INFO_PATH} returned status {}", status.as_u16()));
    }

    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|error| format!("reading {TENANT_INFO_PATH} failed: {error}"))? {
        if bytes.len() + chunk.len() > MAX_TENANT_INFO_BYTES {
            return Err(format!("{TENANT_INFO_PATH} is larger than {MAX_TENANT_INFO_BYTES} bytes"));
        }
        bytes.extend_from_slice(&chunk);
    }
    let info: Value = serde_json::from_slice(&bytes).map_err(|error| format!("{TENANT_INFO_PATH} is not JSON: {error}"))?;
    match info["cloudId"].as_str() {
        Some(cloud_id) if is_cloud_id(cloud_id) => Ok(cloud_id.to_string()),
        Some(other) => Err(format!("{TENANT_INFO_PATH} returned a cloudId that is not UUID-like: {:?}", crate::text::shorten(other, 80))),
        None => Err(format!("{TENANT_INFO_PATH} has no cloudId")),
    }
}

/// Returns whether `text` has the shape of a cloud id (a UUID such as
/// `11223344-aaaa-bbbb-cccc-556677889900`): hex digits and dashes only, so it cannot
/// change the path it is put into.
fn is_cloud_id(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text.chars().all(|character| character.is_ascii_hexdigit() || character == '-')
        && text.chars().any(|character| character.is_ascii_hexdigit())
}

/// Returns whether the site is hosted by Atlassian (`*.atlassian.net`, `*.jira.com`), the
/// only sites whose scoped API tokens the gateway accepts.
fn is_atlassian_cloud_site(site_url: &str) -> bool {
    url::Url::parse(site_url)
        .ok()
        .and_then(|url| url.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|host| host.ends_with(".atlassian.net") || host.ends_with(".jira.com"))
}

/// Returns the gateway base of one site, such as `https://api.atlassian.com/ex/jira/{cloudId}`.
fn gateway_api_url(origin: &str, cloud_id: &str) -> String {
    format!("{origin}/ex/jira/{cloud_id}")
}

/// Returns the origin of the API gateway: Atlassian's, or the loopback test server named
/// by [`GATEWAY_URL_ENV`].
pub fn gateway_origin(allow_http_loopback: bool) -> Result<String, ErrorReply> {
    match std::env::var_os(GATEWAY_URL_ENV) {
        None => Ok(ATLASSIAN_GATEWAY_ORIGIN.to_string()),
        Some(value) => match value.to_str() {
            Some(text) if text.trim().is_empty() => Ok(ATLASSIAN_GATEWAY_ORIGIN.to_string()),
            Some(text) => gateway_override(text, allow_http_loopback),
            None => Err(gateway_rejected(&value.to_string_lossy(), "it is not valid UTF-8")),
        },
    }
}

/// Checks a gateway override: it needs the loopback test setting and must be the bare
/// origin of a loopback server, so a token can never be redirected to another machine.
fn gateway_override(text: &str, allow_http_loopback: bool) -> Result<String, ErrorReply> {
    if !allow_http_loopback {
        return Err(gateway_rejected(text, &format!("it is accepted only for tests, together with {ALLOW_HTTP_LOOPBACK_ENV}=1")));
    }
    let url = Url::parse(text.trim()).map_err(|error| gateway_rejected(text, &format!("it is not a valid URL ({error})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(gateway_rejected(text, "it must start with http:// or https://"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(gateway_rejected(text, "it must not contain a user name or password"));
    }
    if !is_loopback_host(url.host()) {
        return Err(gateway_rejected(text, "it must name a loopback address such as 127.0.0.1"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(gateway_rejected(text, "it must be an origin only, without a path or query"));
    }
    Ok(url.origin().ascii_serialization())
}

fn is_loopback_host(host: Option<url::Host<&str>>) -> bool {
    match host {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    }
}

fn gateway_rejected(value: &str, reason: &str) -> ErrorReply {
    ErrorReply::new(
        ErrorCode::InsecureSiteUrl,
        format!("The native host's {GATEWAY_URL_ENV} setting was rejected because {reason}. Unset it to use Atlassian's API gateway."),
    )
    .with_details(json!({ "gatewayUrl": crate::text::shorten(value, 200) }))
}

/// Returns the saved gateway base of a site, after checking that it still points at the
/// gateway origin, so an edited config file cannot send the token anywhere else.
pub fn saved_api_url(site: &SiteConfig, allow_http_loopback: bool) -> Result<Option<&str>, ErrorReply> {
    let Some(api_url) = site.api_url.as_deref() else {
        return Ok(None);
    };
    let origin = gateway_origin(allow_http_loopback)?;
    let cloud_id = api_url.strip_prefix(origin.as_str()).and_then(|rest| rest.strip_prefix("/ex/jira/"));
    if site.deployment == Deployment::Cloud && cloud_id.is_some_and(is_cloud_id) {
        return Ok(Some(api_url));
    }
    log::error!("the saved apiUrl {api_url} of {} is not under {origin}/ex/jira/; not sending the token there", site.site_url);
    Err(ErrorReply::new(
        ErrorCode::InvalidSiteUrl,
        format!(
            "The saved API address of {} is not Atlassian's API gateway, so the token is not sent there. Disconnect the site and connect it again.",
            site.site_url
        ),
    )
    .with_details(json!({ "siteUrl": site.site_url, "apiUrl": crate::text::shorten(api_url, 200) })))
}

/// Asks the site what it runs: Cloud serves `serverInfo` on REST v3 with
/// `deploymentType: Cloud`; Data Center has only REST v2.
async fn detect_deployment(host: &Host, base: &str, email: Option<&str>, token: &Secret) -> Result<Deployment, ErrorReply> {
    if let Some(email) = email {
        let credentials = Credentials::Basic { email: email.to_string(), token: token.clone() };
        let cloud = JiraClient::new(host.http.clone(), base, Deployment::Cloud, credentials);
        match cloud.get("/rest/api/3/serverInfo", &[]).await {
            Ok(info) if info["deploymentType"] == "Cloud" => return Ok(Deployment::Cloud),
            Ok(_) => {}
            Err(error) if error.code == ErrorCode::NotFound => {}
            // Whether a Cloud site accepts a scoped API token on serverInfo is not
            // documented. A site that publishes a cloud id is Cloud either way, and
            // the credentials are checked on /myself later.
            Err(error) if error.code == ErrorCode::AuthenticationFailed => {
                return match fetch_cloud_id(host, base).await {
                    Ok(_) => Ok(Deployment::Cloud),
                    Err(reason) => {
                        log::info!("{base} rejected the credentials on serverInfo and is not Cloud: {reason}");
                        Err(error)
                    }
                };
            }
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

fn site_from_myself(client: &JiraClient, email: Option<&str>, myself: &Value) -> Result<SiteConfig, ErrorReply> {
    let (base, deployment) = (client.site_url(), client.deployment());
    let text = |field: &str| myself[field].as_str().map(str::to_string);
    let (account, account_id) = match deployment {
        Deployment::Cloud => (
            email.map(str::to_string).or_else(|| text("emailAddress")),
            text("accountId"),
        ),
        Deployment::DataCenter => (text("name"), text("name")),
    };
    let (Some(account), Some(account_id)) = (account, account_id) else {
        return Err(ErrorReply::new(ErrorCode::JiraRejected, format!("{base} returned /myself without the account's id. Check that the site URL is your Jira's address.")));
    };
    Ok(SiteConfig {
        site_url: base.to_string(),
        display_name: text("displayName").unwrap_or_else(|| account.clone()),
        account,
        deployment,
        account_id,
        api_url: (client.api_url() != base).then(|| client.api_url().to_string()),
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

/// Deletes a site's token from the store and removes the site from the config file.
pub async fn disconnect(host: &Host, site_url: Option<&str>) -> Result<Response, ErrorReply> {
    let _guard = host.config_lock.lock().await;
    let mut config = host.load_config()?;
    let Some(site) = config.site(site_url).cloned() else {
        return Err(crate::host::not_connected(&config, site_url));
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

/// Maximum token length accepted, in bytes. Atlassian API tokens are about 200 characters and
/// personal access tokens shorter; anything far longer was pasted by mistake.
const MAX_TOKEN_BYTES: usize = 4096;

/// Rejects a token that cannot be a Jira token before anything is sent: one with line
/// breaks or other control characters inside, or one far too long.
fn check_token_shape(token: &Secret) -> Result<(), ErrorReply> {
    let text = token.expose();
    if text.len() > MAX_TOKEN_BYTES {
        return Err(invalid_input(
            "token",
            &format!("The token is {} characters long, far longer than a Jira token. Paste only the token itself.", text.chars().count()),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(invalid_input("token", "The token contains a line break or another control character. Paste only the token itself, on one line."));
    }
    Ok(())
}

fn invalid_input(field: &str, message: &str) -> ErrorReply {
    ErrorReply::new(ErrorCode::InvalidInput, message).with_details(json!({ "field": field }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLOUD_ID: &str = "11223344-aaaa-bbbb-cccc-556677889900";

    fn cloud_site(api_url: Option<&str>) -> SiteConfig {
        SiteConfig {
            site_url: "https://acme.atlassian.net".into(),
            account: "a@example.com".into(),
            display_name: "A".into(),
            deployment: Deployment::Cloud,
            account_id: "1".into(),
            api_url: api_url.map(str::to_string),
        }
    }

    #[test]
    fn token_with_inner_newline_rejected() {
        let error = check_token_shape(&Secret::new("abc\ndef".into())).unwrap_err();

        assert_eq!(error.code, ErrorCode::InvalidInput);
        assert!(!error.message.contains("abc"), "the message must not repeat the token: {}", error.message);
    }

    #[test]
    fn token_far_too_long_rejected() {
        let error = check_token_shape(&Secret::new("x".repeat(MAX_TOKEN_BYTES + 1))).unwrap_err();

        assert!(error.message.contains("far longer than a Jira token"), "{}", error.message);
    }

    #[test]
    fn gateway_only_for_atlassian_sites() {
        assert!(is_atlassian_cloud_site("https://acme.atlassian.net"));
        assert!(is_atlassian_cloud_site("https://acme.jira.com"));
        assert!(!is_atlassian_cloud_site("https://jira.example.com/jira"), "a self-hosted site is not Atlassian's");
        assert!(!is_atlassian_cloud_site("http://127.0.0.1:8089"), "a loopback test site is not Atlassian's");
        assert!(!is_atlassian_cloud_site("https://atlassian.net.example.com"), "a look-alike host is not Atlassian's");
    }

    #[test]
    fn cloud_id_shape() {
        for valid in [CLOUD_ID, "ABCDEF01-2345", "0"] {
            assert!(is_cloud_id(valid), "{valid:?} should be accepted");
        }
        let too_long = "a".repeat(65);
        for invalid in ["", "-", "../admin", "1234/5678", "1234?x=1", "g1234", "12 34", "1234%2F", too_long.as_str()] {
            assert!(!is_cloud_id(invalid), "{invalid:?} should be rejected");
        }
    }

    #[test]
    fn gateway_override_loopback_origins() {
        let cases = [
            ("http://127.0.0.1:8089", "http://127.0.0.1:8089"),
            (" http://127.0.0.1:8089/ ", "http://127.0.0.1:8089"),
            ("http://localhost:9000", "http://localhost:9000"),
            ("https://[::1]:8443", "https://[::1]:8443"),
        ];

        for (input, expected) in cases {
            let origin = gateway_override(input, true).unwrap_or_else(|error| panic!("{input:?} was rejected: {error}"));
            assert_eq!(origin, expected, "override {input:?}");
        }
    }

    #[test]
    fn gateway_override_needs_test_setting() {
        let error = gateway_override("http://127.0.0.1:8089", false).unwrap_err();

        assert_eq!(error.code, ErrorCode::InsecureSiteUrl);
        assert!(error.message.contains(ALLOW_HTTP_LOOPBACK_ENV), "the message should name the setting: {}", error.message);
    }

    #[test]
    fn gateway_override_other_hosts_rejected() {
        let cases = [
            "https://gateway.invalid",
            "https://api.atlassian.com.invalid",
            "http://127.0.0.1.invalid:8089",
            "http://0.0.0.0:8089",
            "http://10.0.0.1:8089",
            "http://user:secret@127.0.0.1:8089",
            "http://127.0.0.1:8089/ex/jira/x",
            "http://127.0.0.1:8089/?next=https://gateway.invalid",
            "ftp://127.0.0.1",
            "127.0.0.1:8089",
        ];

        for input in cases {
            let error = gateway_override(input, true).expect_err(input);
            assert_eq!(error.code, ErrorCode::InsecureSiteUrl, "override {input:?}: {error}");
        }
    }

    #[test]
    fn saved_api_url_only_under_gateway() {
        let gateway = format!("{ATLASSIAN_GATEWAY_ORIGIN}/ex/jira/{CLOUD_ID}");
        let site = cloud_site(Some(&gateway));

        assert_eq!(saved_api_url(&site, false).unwrap(), Some(gateway.as_str()));
        assert_eq!(saved_api_url(&cloud_site(None), false).unwrap(), None, "a site without apiUrl uses the site itself");
    }

    #[test]
    fn saved_api_url_elsewhere_rejected() {
        let cases = [
            format!("https://gateway.invalid/ex/jira/{CLOUD_ID}"),
            format!("{ATLASSIAN_GATEWAY_ORIGIN}.invalid/ex/jira/{CLOUD_ID}"),
            format!("{ATLASSIAN_GATEWAY_ORIGIN}/ex/jira/{CLOUD_ID}/../../other"),
            format!("{ATLASSIAN_GATEWAY_ORIGIN}/ex/confluence/{CLOUD_ID}"),
            format!("{ATLASSIAN_GATEWAY_ORIGIN}/ex/jira/"),
        ];

        for api_url in cases {
            let error = saved_api_url(&cloud_site(Some(&api_url)), false).expect_err(&api_url);
            assert_eq!(error.code, ErrorCode::InvalidSiteUrl, "apiUrl {api_url:?}");
        }
        let mut data_center = cloud_site(Some(&format!("{ATLASSIAN_GATEWAY_ORIGIN}/ex/jira/{CLOUD_ID}")));
        data_center.deployment = Deployment::DataCenter;
        assert!(saved_api_url(&data_center, false).is_err(), "a Data Center site never goes through the gateway");
    }
}
