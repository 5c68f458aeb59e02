//! Rich text for Jira: Atlassian Document Format (Cloud, REST v3) and wiki markup (Data
//! Center, REST v2), built from the plain text a person typed plus a link to the page.

use serde_json::{json, Value};

/// Builds an ADF document: one paragraph per block of text separated by a blank line,
/// single newlines as hard breaks, then a paragraph linking the page when there is one.
pub fn description_adf(text: &str, page_url: Option<&str>, page_title: Option<&str>) -> Value {
    let mut content: Vec<Value> = paragraphs(text).into_iter().map(paragraph).collect();

    if let Some(url) = page_url.filter(|url| !url.trim().is_empty()) {
        let title = page_title.map(str::trim).filter(|title| !title.is_empty()).unwrap_or(url);
        content.push(json!({
            "type": "paragraph",
            "content": [
                {"type": "text", "text": "Page: "},
                {"type": "text", "text": title, "marks": [{"type": "link", "attrs": {"href": url}}]}
            ]
        }));
    }

    json!({"type": "doc", "version": 1, "content": content})
}

/// Builds an ADF issue description: the typed text, then the selected page text as a
/// blockquote, then the page link.
pub fn issue_description_adf(text: &str, selection: Option<&str>, page_url: Option<&str>, page_title: Option<&str>) -> Value {
    let mut document = description_adf(text, page_url, page_title);
    let quoted: Vec<Value> = paragraphs(selection.unwrap_or("")).into_iter().map(paragraph).collect();
    if !quoted.is_empty() {
        let content = document["content"].as_array_mut().expect("description_adf builds a content array");
        let has_link = page_url.is_some_and(|url| !url.trim().is_empty());
        let position = if has_link { content.len() - 1 } else { content.len() };
        content.insert(position, json!({"type": "blockquote", "content": quoted}));
    }
    document
}

/// Builds a wiki-markup issue description: the typed text, then the selected page text in
/// `{quote}`, then the page link.
pub fn issue_description_wiki(text: &str, selection: Option<&str>, page_url: Option<&str>, page_title: Option<&str>) -> String {
    let mut description = text.trim_end().to_string();
    let selection = selection.map(str::trim).filter(|selection| !selection.is_empty());
    if let Some(selection) = selection {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        // A `{quote}` inside the selection would close the quote early, so it is escaped.
        let escaped = selection.replace("{quote}", "\\{quote}");
        description.push_str(&format!("{{quote}}\n{escaped}\n{{quote}}"));
    }
    let link = description_wiki("", page_url, page_title);
    if !link.is_empty() {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        description.push_str(&link);
    }
    description
}

/// Builds a wiki-markup description for Data Center: the text, then `[title|url]`.
pub fn description_wiki(text: &str, page_url: Option<&str>, page_title: Option<&str>) -> String {
    let mut description = text.trim_end().to_string();
    if let Some(url) = page_url.filter(|url| !url.trim().is_empty()) {
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        let title = page_title.map(str::trim).filter(|title| !title.is_empty()).unwrap_or(url);
        // `|` and brackets end a wiki link early, so they are replaced in the title.
        let safe_title: String =
            title.chars().map(|c| if matches!(c, '|' | '[' | ']') { ' ' } else { c }).collect();
        description.push_str(&format!("Page: [{}|{}]", safe_title.trim(), url));
    }
    description
}

fn paragraphs(text: &str) -> Vec<Vec<&str>> {
    let normalized = text.trim_matches(|c| c == '\n' || c == '\r');
    let mut blocks = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in normalized.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

fn paragraph(lines: Vec<&str>) -> Value {
    let mut content = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        if index > 0 {
            content.push(json!({"type": "hardBreak"}));
        }
        content.push(json!({"type": "text", "text": line}));
    }
    json!({"type": "paragraph", "content": content})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adf_paragraphs_breaks_and_link() {
        let doc = description_adf("First line\nsecond line\n\nNext block", Some("https://example.com/a"), Some("A page"));

        assert_eq!(doc["type"], "doc");
        assert_eq!(doc["version"], 1);
        let content = doc["content"].as_array().unwrap();
        assert_eq!(content.len(), 3, "two text paragraphs and a link paragraph");
        assert_eq!(content[0]["content"][1]["type"], "hardBreak");
        assert_eq!(content[1]["content"][0]["text"], "Next block");
        assert_eq!(content[2]["content"][1]["marks"][0]["attrs"]["href"], "https://example.com/a");
        assert_eq!(content[2]["content"][1]["text"], "A page");
    }

    #[test]
    fn adf_empty_text_without_page_is_empty_doc() {
        let doc = description_adf("  \n", None, None);

        assert_eq!(doc["content"], json!([]));
    }

    #[test]
    fn adf_selection_quoted_before_link() {
        let doc = issue_description_adf("Typed", Some("Selected line\nsecond"), Some("https://example.com/a"), None);

        let content = doc["content"].as_array().unwrap();
        assert_eq!(content.len(), 3, "text, quote, link: {doc}");
        assert_eq!(content[1]["type"], "blockquote");
        assert_eq!(content[1]["content"][0]["content"][0]["text"], "Selected line");
        assert_eq!(content[2]["content"][1]["marks"][0]["attrs"]["href"], "https://example.com/a");
    }

    #[test]
    fn adf_selection_without_text_or_link() {
        let doc = issue_description_adf("", Some("Only this"), None, None);

        assert_eq!(doc["content"][0]["type"], "blockquote");
    }

    #[test]
    fn wiki_selection_quoted_and_escaped() {
        let text = issue_description_wiki("Typed", Some("a {quote} b"), Some("https://example.com/x"), Some("X"));

        assert_eq!(text, "Typed\n\n{quote}\na \\{quote} b\n{quote}\n\nPage: [X|https://example.com/x]");
    }

    #[test]
    fn wiki_link_title_escaped() {
        let text = description_wiki("Broken", Some("https://example.com/x"), Some("a | b [c]"));

        assert_eq!(text, "Broken\n\nPage: [a   b  c|https://example.com/x]");
    }
}
