//! Choosing which connected site requests use when they name none.

use jira_bridge_protocol::{ErrorCode, ErrorReply, Response};
use serde_json::json;

use crate::actions::connect::status;
use crate::host::Host;

/// Makes a connected site the default and saves that in the host's config file (the
/// token is not touched). Returns the new status.
pub async fn set_default_site(host: &Host, site_url: &str) -> Result<Response, ErrorReply> {
    let requested = site_url.trim().trim_end_matches('/');
    {
        let _guard = host.config_lock.lock().await;
        let mut config = host.load_config()?;
        let Some(site) = config.sites.iter().find(|site| site.site_url == requested).cloned() else {
            return Err(ErrorReply::new(ErrorCode::NotConnected, format!("{requested} is not connected. Connect it before making it the default."))
                .with_details(json!({ "siteUrl": requested })));
        };
        config.default_site = Some(site.site_url.clone());
        host.config_file.save(&config).map_err(|error| {
            log::error!("saving the default site failed: {error:#}");
            ErrorReply::new(ErrorCode::Internal, format!("The default site could not be saved: {error:#}."))
        })?;
        log::info!("default site is now {}", site.site_url);
    }
    status(host).await
}
