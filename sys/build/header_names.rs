//! A small, dependency-free extractor of the function names declared in a C
//! header.
//!
//! It is shared, without duplication, by `build.rs` (which uses it to write the
//! compile-time function table `$OUT_DIR/fn_table.rs`) and by the integration
//! test `tests/header_coverage.rs` (which re-parses the installed headers when
//! it runs).
//!
//! It understands exactly what the systemd public headers use: comments,
//! preprocessor directives (with `\` continuations), declarations spread over
//! several lines, attribute macros after the parameter list (`_sd_printf_(3, 4)`,
//! `_sd_sentinel_`, `_sd_deprecated_`), pointer returns such as
//! `const char* sd_bus_message_get_path(...)`, and it ignores `typedef`s of
//! function pointers, struct/enum/union bodies, variables and macro invocations
//! such as `_SD_DEFINE_POINTER_CLEANUP_FUNC(sd_bus, sd_bus_unref);`.

/// The headers (relative to `<includedir>/systemd/`) every function of which must
/// be bound by this crate. `sd-bus.h` pulls in `sd-bus-protocol.h` and
/// `sd-bus-vtable.h`, so they are checked as well.
pub const HEADERS: &[&str] = &[
    "sd-bus.h",
    "sd-bus-protocol.h",
    "sd-bus-vtable.h",
    "sd-daemon.h",
];

/// Returns the names of all `sd_*` functions declared in `source`, in order of
/// first appearance and without duplicates.
pub fn function_names(source: &str) -> Vec<String> {
    let code = strip_preprocessor(&strip_comments(source));
    let mut names: Vec<String> = Vec::new();
    for statement in code.split(';') {
        // Anything up to the last brace belongs to a struct/enum/union body (or
        // closes one); a declaration that follows a body starts after it.
        let statement = match statement.rfind(['{', '}']) {
            Some(i) => &statement[i + 1..],
            None => statement,
        };
        if let Some(name) = declared_function(statement) {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
    }
    names
}

/// If `statement` (without its trailing `;`) is a function declaration, returns
/// the function's name.
fn declared_function(statement: &str) -> Option<&str> {
    let statement = statement.trim();
    if statement.starts_with("typedef") || statement.starts_with("extern \"C\"") {
        return None;
    }
    let paren = statement.find('(')?;
    let before = statement[..paren].trim_end();
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let name = &before[start..];
    let return_type = before[..start].trim();
    let is_identifier =
        name.starts_with("sd_") && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    // A declaration needs a return type in front of the name; `=` would mean an
    // initialiser (a variable), and a name in parentheses a function pointer.
    if is_identifier
        && !return_type.is_empty()
        && !return_type.contains('=')
        && !return_type.ends_with('(')
    {
        Some(name)
    } else {
        None
    }
}

/// Replaces `/* ... */` and `// ...` comments with a space (keeping newlines so
/// preprocessor lines stay recognisable), leaving string and character
/// literals untouched.
fn strip_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut previous = '\0';
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                    }
                    if previous == '*' && c == '/' {
                        break;
                    }
                    previous = c;
                }
                out.push(' ');
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' | '\'' => {
                out.push(c);
                let mut escaped = false;
                for d in chars.by_ref() {
                    out.push(d);
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == c || d == '\n' {
                        break;
                    }
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Drops preprocessor directives (`#include`, `#define`, ...), including their
/// backslash-continued lines.
fn strip_preprocessor(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut continued = false;
    for line in source.lines() {
        let directive = continued || line.trim_start().starts_with('#');
        continued = directive && line.trim_end().ends_with('\\');
        if !directive {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
