//! The admin API examples of the crate's README, run as written: every `curl` line of a `sh` block
//! that calls `http://127.0.0.1:8080/__admin/…` is sent to a fresh emulator (one per block, with a
//! manual clock, as the README says the clock examples need) and must succeed. An example that
//! names an id the data does not hold, or a call the API refuses, fails here.

use crate::helpers::spawn_app;

const README: &str = include_str!("../../README.md");
const DOCUMENTED_ORIGIN: &str = "http://127.0.0.1:8080";

/// One `curl` invocation, as far as the examples use curl's flags.
#[derive(Debug, Default)]
struct Curl {
    line: String,
    method: Option<String>,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

/// The fenced `sh` blocks of a Markdown text.
fn sh_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(_), "```") => blocks.extend(current.take()),
            (Some(block), text) => {
                block.push_str(text);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

/// The commands of a block as shell words: single and double quotes (which may span lines),
/// `\` line continuations, `#` comments; an unquoted newline ends a command.
fn commands(block: &str) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = block.replace("\\\n", " ").chars().collect::<Vec<_>>().into_iter();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                let text = word.get_or_insert_with(String::new);
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    text.push(q);
                }
            }
            '#' if word.is_none() => {
                for skipped in chars.by_ref() {
                    if skipped == '\n' {
                        break;
                    }
                }
                commands.push(std::mem::take(&mut words));
            }
            '\n' => {
                words.extend(word.take());
                commands.push(std::mem::take(&mut words));
            }
            c if c.is_whitespace() => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    commands.push(words);
    commands.retain(|words| !words.is_empty());
    commands
}

/// The `curl` calls of a block that reach the admin API.
fn admin_calls(block: &str) -> Vec<Curl> {
    let mut calls = Vec::new();
    for words in commands(block) {
        if words.first().map(String::as_str) != Some("curl") {
            continue;
        }
        let mut call = Curl { line: words.join(" "), ..Curl::default() };
        let mut args = words.into_iter().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "-s" => {}
                "-X" => call.method = args.next(),
                "-H" => {
                    let header = args.next().unwrap_or_default();
                    let (name, value) = header.split_once(':').unwrap_or((&header, ""));
                    call.headers.push((name.trim().to_owned(), value.trim().to_owned()));
                }
                "-d" => call.body = args.next(),
                other => call.url = other.to_owned(),
            }
        }
        if call.url.starts_with(&format!("{DOCUMENTED_ORIGIN}/__admin/")) {
            calls.push(call);
        }
    }
    calls
}

#[tokio::test]
async fn every_admin_example_in_the_readme_succeeds_as_written() {
    let mut ran = 0;
    for block in sh_blocks(README) {
        let calls = admin_calls(&block);
        if calls.is_empty() {
            continue;
        }
        let app = spawn_app().await;
        for call in calls {
            let url = call.url.replacen(DOCUMENTED_ORIGIN, &app.base, 1);
            let method =
                call.method.clone().unwrap_or_else(|| if call.body.is_some() { "POST" } else { "GET" }.to_owned());
            let mut request = app.http.request(method.parse().expect("a method"), url);
            for (name, value) in &call.headers {
                request = request.header(name.as_str(), value.as_str());
            }
            if let Some(body) = &call.body {
                request = request.body(body.clone());
            }
            let response = request.send().await.expect("the emulator answers");
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            assert!(status.is_success(), "README example `{}` answered {status}: {text}", call.line);
            ran += 1;
        }
    }
    assert!(ran >= 10, "the README's admin examples were not found ({ran} ran)");
}

#[test]
fn the_example_reader_understands_the_shapes_the_readme_uses() {
    let block = "curl -s -X POST http://127.0.0.1:8080/__admin/clock -H 'content-type: application/json' \\\n  -d '{\"set\":\n \"x y\"}'   # a comment\ncurl -s http://127.0.0.1:8080/dstu2/t/metadata\n";
    let calls = admin_calls(block);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].method.as_deref(), Some("POST"));
    assert_eq!(calls[0].body.as_deref(), Some("{\"set\":\n \"x y\"}"));
    assert_eq!(calls[0].headers, [("content-type".to_owned(), "application/json".to_owned())]);
    assert_eq!(sh_blocks("text\n```sh\na\n```\n```toml\nb\n```\n"), ["a\n"]);
}
