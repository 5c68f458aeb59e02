//! A small JQL subset: clauses joined by AND and OR (AND binds tighter, no parentheses),
//! with an optional ORDER BY.
//!
//! Supported clauses: `issue.property[KEY].PATH = "v"`, `key = K`, `key in (K1, K2)`,
//! `project = P` / `in (...)`, `issuetype = T`, `status = S`, `text ~ "w"`,
//! `summary ~ "w"`, `description ~ "w"`, `reporter`/`assignee = currentUser()`, and
//! `created >= -60m` (also `>`, with units m, h, d, w).
//! `~` matches a case-insensitive substring, which is looser than Jira's word search.
//! Anything else, parentheses and NOT included, is an error, so a client using more JQL
//! finds out here.

use serde_json::Value;

use crate::adf::plain_text;
use crate::seed;
use crate::state::StoredIssue;

/// A parsed query: groups of clauses joined by OR, each group's clauses joined by AND,
/// and whether results are newest first.
#[derive(Debug, PartialEq)]
pub(crate) struct Query {
    groups: Vec<Vec<Clause>>,
    pub descending: bool,
}

#[derive(Debug, PartialEq)]
enum Clause {
    Property { key: String, path: Vec<String>, value: String },
    Field { field: String, values: Vec<String> },
    Contains { field: String, needle: String },
    CurrentUser { field: String },
    /// `created >= -N<unit>`: the issue was created at or after this timestamp.
    CreatedSince { timestamp: String },
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Symbol(char),
}

/// Parses `jql`; the error names the part the fake does not understand.
pub(crate) fn parse(jql: &str) -> Result<Query, String> {
    let mut tokens = tokenize(jql)?;
    let mut descending = false;
    if let Some(position) = tokens.iter().position(|token| is_word(token, "order")) {
        let order: Vec<Token> = tokens.split_off(position);
        if !order.get(1).is_some_and(|token| is_word(token, "by")) {
            return Err("expected BY after ORDER".to_owned());
        }
        descending = order.iter().any(|token| is_word(token, "desc"));
    }

    let mut groups = vec![Vec::new()];
    let mut rest = tokens.as_slice();
    while !rest.is_empty() {
        let (clause, remaining) = parse_clause(rest)?;
        groups.last_mut().expect("there is always a group").push(clause);
        rest = remaining;
        match rest.first() {
            None => break,
            Some(token) if is_word(token, "and") => rest = &rest[1..],
            Some(token) if is_word(token, "or") => {
                groups.push(Vec::new());
                rest = &rest[1..];
            }
            Some(token) => return Err(format!("expected AND or OR between clauses, got {token:?}")),
        }
    }
    if groups.len() > 1 && groups.iter().any(Vec::is_empty) {
        return Err("expected a clause after OR".to_owned());
    }
    Ok(Query { groups, descending })
}

impl Query {
    /// Returns whether `issue` matches every clause of at least one OR group.
    pub(crate) fn matches(&self, issue: &StoredIssue, shared: &crate::state::Shared) -> bool {
        self.groups.iter().any(|group| group.iter().all(|clause| clause_matches(clause, issue, shared)))
    }
}

fn parse_clause(tokens: &[Token]) -> Result<(Clause, &[Token]), String> {
    let Some(Token::Word(field)) = tokens.first() else {
        return Err(format!("expected a field name, got {:?}", tokens.first()));
    };
    let field_lower = field.to_ascii_lowercase();
    let operator = tokens.get(1).ok_or_else(|| format!("expected an operator after {field}"))?;

    if let Some(inner) = field_lower.strip_prefix("issue.property[") {
        let (key, _) = inner.split_once(']').ok_or_else(|| format!("unclosed property key in {field}"))?;
        let key_start = "issue.property[".len();
        // The key and path are sliced from the original text because they are case-sensitive.
        let key = field[key_start..key_start + key.len()].to_owned();
        let path = field[key_start + key.len() + 1..]
            .split('.')
            .filter(|segment| !segment.is_empty())
            .map(str::to_owned)
            .collect();
        if *operator != Token::Symbol('=') {
            return Err(format!("only = is supported on {field}"));
        }
        let value = single_value(tokens.get(2))?;
        return Ok((Clause::Property { key, path, value }, &tokens[3..]));
    }

    match (field_lower.as_str(), operator) {
        ("text" | "summary" | "description", Token::Symbol('~')) => {
            let needle = single_value(tokens.get(2))?;
            Ok((Clause::Contains { field: field_lower, needle }, &tokens[3..]))
        }
        ("reporter" | "assignee", Token::Symbol('=')) => {
            let is_call = matches!(tokens.get(2), Some(token) if is_word(token, "currentuser"))
                && tokens.get(3) == Some(&Token::Symbol('('))
                && tokens.get(4) == Some(&Token::Symbol(')'));
            if !is_call {
                return Err(format!("only {field} = currentUser() is supported"));
            }
            Ok((Clause::CurrentUser { field: field_lower }, &tokens[5..]))
        }
        ("key" | "issuekey" | "project" | "issuetype" | "status", Token::Symbol('=')) => {
            let value = single_value(tokens.get(2))?;
            let field = if field_lower == "issuekey" { "key".to_owned() } else { field_lower };
            Ok((Clause::Field { field, values: vec![value] }, &tokens[3..]))
        }
        ("key" | "issuekey" | "project" | "issuetype" | "status", Token::Word(word)) if word.eq_ignore_ascii_case("in") => {
            let (values, rest) = parse_list(&tokens[2..])?;
            let field = if field_lower == "issuekey" { "key".to_owned() } else { field_lower };
            Ok((Clause::Field { field, values }, rest))
        }
        ("created", Token::Word(word)) if word == ">" => {
            // The tokenizer splits `>=` into `>` and `=`; both mean "since" at this precision.
            let value_index = if tokens.get(2) == Some(&Token::Symbol('=')) { 3 } else { 2 };
            let value = single_value(tokens.get(value_index))?;
            let seconds = relative_seconds(&value)
                .ok_or_else(|| format!("expected a relative time such as -60m after created >=, got {value:?}"))?;
            let since = std::time::SystemTime::now() - std::time::Duration::from_secs(seconds);
            Ok((Clause::CreatedSince { timestamp: crate::state::jira_timestamp_at(since) }, &tokens[value_index + 1..]))
        }
        _ => Err(format!("fake-jira does not support the clause starting {field} {operator:?}")),
    }
}

/// Parses a relative time such as `-60m`, `-2h`, `-1d` or `-1w` into seconds.
fn relative_seconds(value: &str) -> Option<u64> {
    let amount = value.strip_prefix('-')?;
    let unit = amount.chars().last()?;
    let number: u64 = amount[..amount.len() - unit.len_utf8()].parse().ok()?;
    let scale = match unit {
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return None,
    };
    Some(number * scale)
}

fn parse_list(tokens: &[Token]) -> Result<(Vec<String>, &[Token]), String> {
    if tokens.first() != Some(&Token::Symbol('(')) {
        return Err("expected ( after IN".to_owned());
    }
    let mut values = Vec::new();
    let mut index = 1;
    loop {
        values.push(single_value(tokens.get(index))?);
        match tokens.get(index + 1) {
            Some(Token::Symbol(',')) => index += 2,
            Some(Token::Symbol(')')) => return Ok((values, &tokens[index + 2..])),
            other => return Err(format!("expected , or ) in list, got {other:?}")),
        }
    }
}

fn single_value(token: Option<&Token>) -> Result<String, String> {
    match token {
        Some(Token::Word(word)) | Some(Token::Quoted(word)) => Ok(word.clone()),
        other => Err(format!("expected a value, got {other:?}")),
    }
}

fn is_word(token: &Token, word: &str) -> bool {
    matches!(token, Token::Word(text) if text.eq_ignore_ascii_case(word))
}

fn tokenize(jql: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = jql.chars().peekable();
    while let Some(&next) = chars.peek() {
        if next.is_whitespace() {
            chars.next();
        } else if next == '"' || next == '\'' {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next() {
                    None => return Err("unterminated quoted string".to_owned()),
                    Some('\\') => text.extend(chars.next()),
                    Some(ch) if ch == next => break,
                    Some(ch) => text.push(ch),
                }
            }
            tokens.push(Token::Quoted(text));
        } else if "()=,~".contains(next) {
            tokens.push(Token::Symbol(next));
            chars.next();
        } else if next == '!' {
            return Err("fake-jira does not support negated operators".to_owned());
        } else {
            let mut word = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() || "()=,~!\"'".contains(ch) {
                    break;
                }
                word.push(ch);
                chars.next();
            }
            tokens.push(Token::Word(word));
        }
    }
    Ok(tokens)
}

fn clause_matches(clause: &Clause, issue: &StoredIssue, shared: &crate::state::Shared) -> bool {
    match clause {
        Clause::Property { key, path, value } => {
            let mut current = issue.properties.get(key);
            for segment in path {
                current = current.and_then(|node| node.get(segment));
            }
            match current {
                Some(Value::String(text)) => text == value,
                Some(Value::Number(number)) => number.to_string() == *value,
                Some(Value::Bool(flag)) => flag.to_string() == *value,
                _ => false,
            }
        }
        Clause::Field { field, values } => values.iter().any(|value| field_equals(issue, field, value)),
        Clause::Contains { field, needle } => {
            let needle = needle.trim_matches('*').to_lowercase();
            let summary = issue.summary().to_owned();
            let description = issue.fields.get("description").map(plain_text).unwrap_or_default();
            let haystack = match field.as_str() {
                "summary" => summary,
                "description" => description,
                _ => {
                    let comments: Vec<String> = issue.comments.iter().map(plain_text).collect();
                    format!("{summary} {description} {}", comments.join(" "))
                }
            };
            haystack.to_lowercase().contains(&needle)
        }
        Clause::CreatedSince { timestamp } => issue.created >= *timestamp,
        Clause::CurrentUser { field } => {
            // Every issue is reported by the one configured account.
            let config = &shared.config;
            let own_id = match config.mode {
                crate::config::Mode::Cloud => &config.account_id,
                crate::config::Mode::DataCenter => &config.username,
            };
            let assignee = issue
                .fields
                .get("assignee")
                .and_then(|assignee| assignee.get(super::users::id_field(config.mode)))
                .and_then(Value::as_str);
            field == "reporter" || assignee == Some(own_id.as_str())
        }
    }
}

fn field_equals(issue: &StoredIssue, field: &str, value: &str) -> bool {
    match field {
        "key" => issue.key.eq_ignore_ascii_case(value) || issue.id == value,
        "project" => seed::project(value).is_some_and(|project| project.key == issue.project_key),
        "issuetype" => seed::issue_type(&issue.issue_type_id)
            .is_some_and(|issue_type| issue_type.id == value || issue_type.name.eq_ignore_ascii_case(value)),
        "status" => seed::status(&issue.status_id)
            .is_some_and(|status| status.id == value || status.value.eq_ignore_ascii_case(value)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jql_property_and_order() {
        let query = parse(r#"issue.property[jiraBridge].clientRequestId = "abc-1" ORDER BY created DESC"#)
            .expect("property lookups parse");
        assert!(query.descending, "ORDER BY ... DESC sorts newest first");
        assert_eq!(
            query.groups[0],
            vec![Clause::Property {
                key: "jiraBridge".to_owned(),
                path: vec!["clientRequestId".to_owned()],
                value: "abc-1".to_owned()
            }],
            "property key and path keep their case"
        );
    }

    #[test]
    fn jql_created_relative_time() {
        let query = parse("project = WEB AND reporter = currentUser() AND created >= -60m ORDER BY created DESC")
            .expect("a created clause should parse");

        assert_eq!(query.groups[0].len(), 3);
        assert!(matches!(&query.groups[0][2], Clause::CreatedSince { .. }), "{:?}", query.groups[0][2]);
        assert_eq!(relative_seconds("-2h"), Some(7200));
        assert_eq!(relative_seconds("60m"), None, "a time without a minus sign is not relative");
    }

    #[test]
    fn jql_key_in_list() {
        let query = parse("key in (WEB-1, AB2-3) AND project = WEB").expect("key in list parses");
        assert_eq!(query.groups[0].len(), 2, "two clauses joined by AND");
    }

    #[test]
    fn jql_or_groups() {
        let query = parse("assignee = currentUser() OR reporter = currentUser() AND project = WEB ORDER BY updated DESC")
            .expect("OR parses");

        assert_eq!(query.groups.len(), 2, "OR splits the query into two groups");
        assert_eq!(query.groups[1].len(), 2, "AND binds tighter than OR");
    }

    #[test]
    fn jql_dangling_or_rejected() {
        let error = parse("key = WEB-1 OR").expect_err("a query cannot end with OR");
        assert!(error.contains("after OR"), "error explains what was expected: {error}");
    }
}
