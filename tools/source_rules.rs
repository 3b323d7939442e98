//! Reading a crate's sources for its architecture tests, shared by the three crates'
//! `tests/architecture.rs` through `#[path]` (a helper crate would be one more thing
//! to build for a few hundred lines): the code with comments and literals blanked,
//! the lines that break a rule, and the import circles among a crate's files.
//!
//! Each crate uses only part of this, so unused items are expected.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, with its code only: comments and the contents of
/// string and character literals blanked, so a doc comment that names `slint` or a
/// message that says "clap" is not mistaken for code.
pub fn code_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                found.push((path, code_only(&text)));
            }
        }
    }
    found.sort();
    found
}

pub fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                if chars[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 2;
        } else if c == 'r' && matches!(next, Some('"') | Some('#')) && !word_before(&chars, i) {
            // A raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            let closes = |at: usize| {
                chars.get(at) == Some(&'"') && (1..=hashes).all(|h| chars.get(at + h) == Some(&'#'))
            };
            while j < chars.len() && !closes(j) {
                if chars[j] == '\n' {
                    out.push('\n');
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j + 1 + hashes;
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\n' {
                    out.push('\n');
                }
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            i += 1;
        } else if c == '\'' && char_literal_len(&chars, i).is_some() {
            out.push_str("' '");
            i += char_literal_len(&chars, i).unwrap();
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn word_before(chars: &[char], at: usize) -> bool {
    at > 0 && (chars[at - 1].is_alphanumeric() || chars[at - 1] == '_')
}

/// The length of a character literal starting at `at` ('a', '\n', '\u{4e2d}'), or
/// None for a lifetime ('a).
fn char_literal_len(chars: &[char], at: usize) -> Option<usize> {
    if chars.get(at + 1) == Some(&'\\') {
        let close = (at + 2..chars.len().min(at + 12)).find(|&j| chars[j] == '\'')?;
        return Some(close - at + 1);
    }
    (chars.get(at + 2) == Some(&'\'')).then_some(3)
}

/// Lines of `files` on which `forbidden` says a rule is broken, as `file:line: text`.
pub fn offending(files: &[(PathBuf, String)], forbidden: impl Fn(&str) -> bool) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for (path, code) in files {
        for (n, line) in code.lines().enumerate() {
            if forbidden(line) {
                let name = path.strip_prefix(root).unwrap_or(path).display();
                found.push(format!("{name}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    found
}

/// Every public function's signature (up to its body), with `file:line`.
pub fn public_signatures(files: &[(PathBuf, String)]) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for (path, code) in files {
        for (at, _) in code
            .match_indices("pub fn ")
            .chain(code.match_indices("pub(crate) fn "))
        {
            let end = code[at..].find(['{', ';']).map_or(code.len(), |e| at + e);
            let line = code[..at].matches('\n').count() + 1;
            let name = path.strip_prefix(root).unwrap_or(path).display();
            let signature = code[at..end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            found.push((format!("{name}:{line}"), signature));
        }
    }
    found
}

pub fn names(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// The import circles among the files under `src`: each strongly connected group of
/// two or more files (a file naming an item of another, by `crate::`, `super::`,
/// `self::` or a child module's name, is an edge), as `a.rs -> b.rs -> a.rs`. A
/// `mod` declaration is not an import; `pub use child::X` in a parent is.
pub fn import_circles(src: &Path) -> Vec<String> {
    let files = code_files(src);
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|(path, _)| (module_of(src, path), path.clone()))
        .collect();
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for (path, code) in &files {
        let here = module_of(src, path);
        let entry = edges.entry(path.clone()).or_default();
        for target in referenced_paths(code, &here, &modules) {
            if let Some(file) = longest_module(&target, &modules) {
                if file != path {
                    entry.insert(file.clone());
                }
            }
        }
    }
    let name = |p: &PathBuf| p.strip_prefix(src).unwrap_or(p).display().to_string();
    strongly_connected(&edges)
        .into_iter()
        .filter(|group| group.len() > 1)
        .map(|group| {
            let members: BTreeSet<&PathBuf> = group.iter().collect();
            // One loop through the group, for the message: follow edges inside it.
            let first = group[0].clone();
            let mut trail = vec![first.clone()];
            let mut at = first.clone();
            loop {
                let next = edges[&at]
                    .iter()
                    .find(|n| members.contains(n) && (!trail.contains(n) || **n == first))
                    .cloned();
                match next {
                    Some(n) if n == first => {
                        trail.push(n);
                        break;
                    }
                    Some(n) => {
                        trail.push(n.clone());
                        at = n;
                    }
                    None => break,
                }
            }
            let shown: Vec<String> = trail.iter().map(name).collect();
            format!(
                "{} (group: {})",
                shown.join(" -> "),
                group.iter().map(name).collect::<Vec<_>>().join(", ")
            )
        })
        .collect()
}

/// `src/a/b.rs` and `src/a/b/mod.rs` are `[a, b]`; `lib.rs` and `main.rs` are `[]`.
fn module_of(src: &Path, path: &Path) -> Vec<String> {
    let relative = path.strip_prefix(src).unwrap_or(path).with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod")) {
        parts.pop();
    }
    if parts.len() == 1 && matches!(parts[0].as_str(), "lib" | "main") {
        parts.clear();
    }
    parts
}

fn longest_module<'a>(
    target: &[String],
    modules: &'a BTreeMap<Vec<String>, PathBuf>,
) -> Option<&'a PathBuf> {
    (0..=target.len())
        .rev()
        .find_map(|n| modules.get(&target[..n]))
}

/// Every path the code names, made absolute: `crate::a::b`, `super::x`, `self::y`,
/// and `child::z` where `child` is a module below this one; `use` groups in braces
/// are expanded.
fn referenced_paths(
    code: &str,
    here: &[String],
    modules: &BTreeMap<Vec<String>, PathBuf>,
) -> Vec<Vec<String>> {
    let chars: Vec<char> = code.chars().collect();
    let inline = inline_modules(&chars);
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        // Inside `mod tests { … }`, `super` is the file's own module.
        let mut here = here.to_vec();
        here.extend(
            inline
                .iter()
                .filter(|(_, open, close)| (*open..*close).contains(&i))
                .map(|(name, _, _)| name.clone()),
        );
        let here = here.as_slice();
        let starts_word = i == 0
            || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == ':');
        if starts_word && (chars[i].is_alphabetic() || chars[i] == '_') {
            let (word, after) = ident(&chars, i);
            let followed_by_path =
                chars.get(after) == Some(&':') && chars.get(after + 1) == Some(&':');
            if followed_by_path {
                let base: Option<Vec<String>> = match word.as_str() {
                    "crate" => Some(Vec::new()),
                    "self" => Some(here.to_vec()),
                    "super" => Some(here[..here.len().saturating_sub(1)].to_vec()),
                    // `child::x` in the module that declares `child`.
                    child => {
                        let mut below = here.to_vec();
                        below.push(child.to_string());
                        modules.contains_key(&below).then(|| here.to_vec())
                    }
                };
                if let Some(base) = base {
                    let start = if matches!(word.as_str(), "crate" | "self" | "super") {
                        after + 2
                    } else {
                        i
                    };
                    let mut paths = Vec::new();
                    let end = path_tree(&chars, start, base, &mut paths);
                    found.extend(paths);
                    i = end.max(i + 1);
                    continue;
                }
            }
            i = after;
            continue;
        }
        i += 1;
    }
    found
}

/// The inline modules (`mod tests { … }`) as (name, opening brace, closing brace),
/// outermost first.
fn inline_modules(chars: &[char]) -> Vec<(String, usize, usize)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i + 3 < chars.len() {
        let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if starts_word && chars[i..i + 3] == ['m', 'o', 'd'] && chars[i + 3].is_whitespace() {
            let at = skip_space(chars, i + 3);
            let (name, after) = ident(chars, at);
            let open = skip_space(chars, after);
            if !name.is_empty() && chars.get(open) == Some(&'{') {
                let mut depth = 0;
                let mut close = open;
                while close < chars.len() {
                    match chars[close] {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    close += 1;
                }
                found.push((name, open, close));
            }
        }
        i += 1;
    }
    found
}

fn ident(chars: &[char], at: usize) -> (String, usize) {
    let mut end = at;
    while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
        end += 1;
    }
    (chars[at..end].iter().collect(), end)
}

fn skip_space(chars: &[char], mut at: usize) -> usize {
    while at < chars.len() && chars[at].is_whitespace() {
        at += 1;
    }
    at
}

/// Reads a path from `at` (`a::b::c`, `a::{b, c::d}`, `super::x`), pushing every
/// full path onto `out`; returns where it ends.
fn path_tree(
    chars: &[char],
    at: usize,
    mut base: Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    let mut at = skip_space(chars, at);
    loop {
        if chars.get(at) == Some(&'{') {
            at += 1;
            loop {
                at = skip_space(chars, at);
                match chars.get(at) {
                    Some('}') => return at + 1,
                    Some(',') => at += 1,
                    Some(_) => {
                        let before = at;
                        at = path_tree(chars, at, base.clone(), out);
                        if at == before {
                            at += 1;
                        }
                    }
                    None => return at,
                }
            }
        }
        let Some(&c) = chars.get(at) else { break };
        if !(c.is_alphabetic() || c == '_') {
            break;
        }
        let (word, after) = ident(chars, at);
        match word.as_str() {
            "super" => {
                base.pop();
            }
            "self" => {}
            _ => base.push(word),
        }
        at = after;
        if chars.get(at) == Some(&':') && chars.get(at + 1) == Some(&':') {
            at = skip_space(chars, at + 2);
        } else {
            break;
        }
    }
    out.push(base);
    at
}

/// Tarjan's strongly connected components, each sorted.
fn strongly_connected(edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<Vec<PathBuf>> {
    struct Walk<'a> {
        edges: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'a PathBuf, usize>,
        low: BTreeMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        on_stack: BTreeSet<&'a PathBuf>,
        groups: Vec<Vec<PathBuf>>,
    }
    fn visit<'a>(walk: &mut Walk<'a>, node: &'a PathBuf) {
        let n = walk.index.len();
        walk.index.insert(node, n);
        walk.low.insert(node, n);
        walk.stack.push(node);
        walk.on_stack.insert(node);
        let edges = walk.edges;
        for next in edges.get(node).into_iter().flatten() {
            if !edges.contains_key(next) {
                continue;
            }
            if !walk.index.contains_key(next) {
                visit(walk, next);
                let low = walk.low[next].min(walk.low[node]);
                walk.low.insert(node, low);
            } else if walk.on_stack.contains(next) {
                let low = walk.index[next].min(walk.low[node]);
                walk.low.insert(node, low);
            }
        }
        if walk.low[node] == walk.index[node] {
            let mut group = Vec::new();
            while let Some(top) = walk.stack.pop() {
                walk.on_stack.remove(top);
                group.push(top.clone());
                if top == node {
                    break;
                }
            }
            group.sort();
            walk.groups.push(group);
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        groups: Vec::new(),
    };
    for node in edges.keys() {
        if !walk.index.contains_key(node) {
            visit(&mut walk, node);
        }
    }
    walk.groups
}
