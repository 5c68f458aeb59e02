//! Checks of Atlassian Document Format (ADF), the rich text of Jira Cloud REST v3.
//!
//! The check covers the structure Jira Cloud enforces on create: a `doc` root with
//! `version: 1`, known node types with `content` arrays, non-empty `text` in text nodes,
//! and an `href` on link marks. It does not check which node may contain which.

use serde_json::Value;

const BLOCK_NODES: &[&str] = &[
    "paragraph", "heading", "bulletList", "orderedList", "listItem", "codeBlock", "blockquote",
    "rule", "panel", "table", "tableRow", "tableHeader", "tableCell", "mediaSingle",
    "mediaGroup", "media", "expand", "nestedExpand", "taskList", "taskItem", "decisionList",
    "decisionItem", "blockCard", "embedCard", "layoutSection", "layoutColumn",
];

const INLINE_NODES: &[&str] = &[
    "text", "hardBreak", "mention", "emoji", "inlineCard", "date", "status", "mediaInline",
    "placeholder",
];

const MARKS: &[&str] = &[
    "strong", "em", "code", "strike", "underline", "link", "subsup", "textColor",
    "backgroundColor", "alignment", "indentation", "border",
];

/// Checks that `value` is an ADF document; the error names the first problem and where.
pub fn check_document(value: &Value) -> Result<(), String> {
    let Some(object) = value.as_object() else {
        return Err(format!("expected an ADF document object, got {}", json_type(value)));
    };
    if object.get("type").and_then(Value::as_str) != Some("doc") {
        return Err("the root node type must be \"doc\"".to_owned());
    }
    if object.get("version").and_then(Value::as_u64) != Some(1) {
        return Err("the document version must be 1".to_owned());
    }
    let Some(content) = object.get("content").and_then(Value::as_array) else {
        return Err("the document has no content array".to_owned());
    };
    for (index, node) in content.iter().enumerate() {
        check_node(node, &format!("content[{index}]"))?;
    }
    Ok(())
}

fn check_node(node: &Value, at: &str) -> Result<(), String> {
    let Some(object) = node.as_object() else {
        return Err(format!("{at}: expected a node object, got {}", json_type(node)));
    };
    let Some(node_type) = object.get("type").and_then(Value::as_str) else {
        return Err(format!("{at}: node has no type"));
    };
    if !BLOCK_NODES.contains(&node_type) && !INLINE_NODES.contains(&node_type) {
        return Err(format!("{at}: unknown node type {node_type:?}"));
    }
    if node_type == "text" {
        match object.get("text").and_then(Value::as_str) {
            Some(text) if !text.is_empty() => {}
            _ => return Err(format!("{at}: a text node needs non-empty text")),
        }
    }
    if let Some(marks) = object.get("marks") {
        let Some(marks) = marks.as_array() else {
            return Err(format!("{at}.marks: expected an array"));
        };
        for (index, mark) in marks.iter().enumerate() {
            check_mark(mark, &format!("{at}.marks[{index}]"))?;
        }
    }
    if let Some(content) = object.get("content") {
        let Some(content) = content.as_array() else {
            return Err(format!("{at}.content: expected an array"));
        };
        for (index, child) in content.iter().enumerate() {
            check_node(child, &format!("{at}.content[{index}]"))?;
        }
    }
    Ok(())
}

fn check_mark(mark: &Value, at: &str) -> Result<(), String> {
    let mark_type = mark.get("type").and_then(Value::as_str).unwrap_or("");
    if !MARKS.contains(&mark_type) {
        return Err(format!("{at}: unknown mark type {mark_type:?}"));
    }
    if mark_type == "link" {
        let href = mark.pointer("/attrs/href").and_then(Value::as_str).unwrap_or("");
        if href.is_empty() {
            return Err(format!("{at}: a link mark needs attrs.href"));
        }
    }
    Ok(())
}

/// Returns the text of a rich-text value: the string itself on Data Center, or the
/// concatenated text nodes of an ADF document. Used for `text ~` searches.
pub fn plain_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Object(object) => {
            let mut text = object.get("text").and_then(Value::as_str).unwrap_or("").to_owned();
            if let Some(content) = object.get("content").and_then(Value::as_array) {
                for child in content {
                    text.push_str(&plain_text(child));
                    text.push(' ');
                }
            }
            text
        }
        _ => String::new(),
    }
}

/// Returns the JSON type name of a value, for error messages.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn adf_paragraph_accepted() {
        let doc = json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "Hi",
              "marks": [{"type": "link", "attrs": {"href": "https://example.com"}}]}]}]});
        assert_eq!(check_document(&doc), Ok(()), "a paragraph with a link is valid ADF");
    }

    #[test]
    fn adf_plain_string_rejected() {
        let error = check_document(&json!("Hi")).expect_err("a string is not ADF");
        assert!(error.contains("a string"), "error names the type: {error}");
    }

    #[test]
    fn adf_empty_text_rejected() {
        let doc = json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": ""}]}]});
        let error = check_document(&doc).expect_err("empty text nodes are invalid");
        assert!(error.contains("content[0].content[0]"), "error says where: {error}");
    }

    #[test]
    fn adf_link_without_href_rejected() {
        let doc = json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "x",
              "marks": [{"type": "link", "attrs": {}}]}]}]});
        assert!(check_document(&doc).is_err(), "a link mark needs an href");
    }
}
