//! What a post-mortem must look like, for the renderer's unit tests (core) and
//! the CLI's end-to-end tests (server): its sections in order, and how to read
//! one of them.

/// The headings every post-mortem carries, in this order.
pub const SECTIONS: [&str; 9] = [
    "# Post-mortem: ",
    "## Summary",
    "## Impact",
    "## Timeline (UTC)",
    "## Root cause",
    "## Action",
    "## MTTR against history",
    "## What was not known",
    "## Follow-ups",
];

/// The text of the section starting at `heading`, up to the next `## `.
pub fn section<'a>(md: &'a str, heading: &str) -> &'a str {
    let start = md.find(heading).unwrap_or_else(|| panic!("no {heading:?}:\n{md}"));
    let rest = &md[start + heading.len()..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

/// Every heading of [`SECTIONS`] is there, in order.
pub fn assert_sections(md: &str) {
    let mut at = 0;
    for s in SECTIONS {
        let found = md[at..]
            .find(s)
            .unwrap_or_else(|| panic!("{s:?} missing or out of order:\n{md}"));
        at += found + s.len();
    }
}
