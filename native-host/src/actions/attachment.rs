//! Attaching a screenshot of the visible tab to an issue.

use base64::Engine;
use jira_bridge_protocol::{ErrorCode, ErrorReply, Response};
use serde_json::json;

use crate::actions::issue::{checked_key, not_found_names_key};
use crate::host::Host;
use crate::text::shorten;

/// Largest screenshot the host uploads, in bytes. A full-screen PNG of a 4K display is
/// a few megabytes; Jira Cloud's default attachment limit is far higher.
pub const MAX_SCREENSHOT_BYTES: usize = 20 * 1024 * 1024;

/// First bytes of every PNG file.
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

pub async fn attach_screenshot(
    host: &Host,
    site_url: Option<&str>,
    key: &str,
    file_name: &str,
    png_base64: &str,
) -> Result<Response, ErrorReply> {
    let key = checked_key(key)?;
    let file_name = clean_file_name(file_name);
    let bytes = decode_png(png_base64)?;
    let (client, _) = host.client_for(site_url).await?;

    let path = format!("{}/issue/{key}/attachments", client.api());
    let size = bytes.len() as u64;
    let reply = client
        .post_attachment(&path, &file_name, "image/png", bytes)
        .await
        .map_err(|error| not_found_names_key(error, &key, &client))?;

    // Jira returns an array of the attachments it stored.
    let attachment_id = reply[0]["id"].as_str().map(str::to_string).or_else(|| reply[0]["id"].as_u64().map(|id| id.to_string()));
    let Some(attachment_id) = attachment_id else {
        return Err(ErrorReply::new(ErrorCode::JiraUnavailable, format!("Jira returned no attachment id for the upload to {key}. Check the issue before trying again.")));
    };
    log::info!("attached {file_name} ({size} bytes) to {key}");
    Ok(Response::AttachmentAdded { key, attachment_id, file_name, size })
}

/// Decodes the base64 image and checks that it is a PNG within the size limit.
fn decode_png(png_base64: &str) -> Result<Vec<u8>, ErrorReply> {
    let data = png_base64.trim();
    let data = data.strip_prefix("data:image/png;base64,").unwrap_or(data);
    if data.len() / 4 * 3 > MAX_SCREENSHOT_BYTES + 3 {
        return Err(too_large(data.len() / 4 * 3));
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(data).map_err(|error| {
        ErrorReply::new(ErrorCode::InvalidInput, format!("The screenshot is not valid base64 ({error}). Take the screenshot again."))
            .with_details(json!({ "field": "pngBase64" }))
    })?;
    if bytes.len() > MAX_SCREENSHOT_BYTES {
        return Err(too_large(bytes.len()));
    }
    if !bytes.starts_with(PNG_SIGNATURE) {
        return Err(ErrorReply::new(ErrorCode::InvalidInput, "The screenshot is not a PNG image. Take the screenshot again.")
            .with_details(json!({ "field": "pngBase64" })));
    }
    Ok(bytes)
}

fn too_large(size: usize) -> ErrorReply {
    ErrorReply::new(
        ErrorCode::InvalidInput,
        format!("The screenshot is {} MB; the limit is {} MB. Make the window smaller and try again.", size / (1024 * 1024), MAX_SCREENSHOT_BYTES / (1024 * 1024)),
    )
    .with_details(json!({ "field": "pngBase64", "bytes": size, "max": MAX_SCREENSHOT_BYTES }))
}

/// Keeps a file name Jira and every OS accept: no folders, no control characters, a
/// `.png` ending, and a default when nothing is left.
fn clean_file_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control() && !matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|')).collect();
    let mut cleaned = shorten(cleaned.trim(), 120);
    if cleaned.is_empty() || cleaned.starts_with('.') {
        cleaned = "screenshot".to_string();
    }
    if !cleaned.to_ascii_lowercase().ends_with(".png") {
        cleaned.push_str(".png");
    }
    cleaned
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_cleaned() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd.png");
        assert_eq!(clean_file_name("shot:1?.PNG"), "shot1.PNG");
        assert_eq!(clean_file_name(""), "screenshot.png");
        assert_eq!(clean_file_name(".hidden"), "screenshot.png");
    }

    #[test]
    fn non_png_rejected() {
        let jpeg = base64::engine::general_purpose::STANDARD.encode(b"\xff\xd8\xff\xe0rest");

        let error = decode_png(&jpeg).unwrap_err();

        assert_eq!(error.code, ErrorCode::InvalidInput);
        assert!(error.message.contains("not a PNG"), "{}", error.message);
    }

    #[test]
    fn data_url_prefix_accepted() {
        let png = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\nrest");

        let bytes = decode_png(&format!("data:image/png;base64,{png}")).unwrap();

        assert!(bytes.starts_with(PNG_SIGNATURE));
    }

    #[test]
    fn oversized_screenshot_rejected_before_decoding() {
        let huge = "A".repeat((MAX_SCREENSHOT_BYTES + 1024) / 3 * 4);

        let error = decode_png(&huge).unwrap_err();

        assert!(error.message.contains("the limit is 20 MB"), "{}", error.message);
    }
}
