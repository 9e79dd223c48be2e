//! A filter graph built from typed values, written out in ffmpeg's syntax in one place.
//!
//! Every option value goes through [`escape_value`], which applies both levels of ffmpeg's
//! filtergraph escaping (option values, then the graph description), so a path or a text with
//! `:` `,` `'` `[` or `;` in it can never change the graph's structure.

use std::fmt::{self, Display, Write};

/// One filter: `name=key=value:key=value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Filter {
    name: &'static str,
    options: Vec<(Option<&'static str>, String)>,
}

impl Filter {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            options: Vec::new(),
        }
    }

    /// A named option, `key=value`.
    pub fn opt(mut self, key: &'static str, value: impl Display) -> Self {
        self.options.push((Some(key), value.to_string()));
        self
    }
}

impl Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)?;
        for (n, (key, value)) in self.options.iter().enumerate() {
            f.write_char(if n == 0 { '=' } else { ':' })?;
            if let Some(key) = key {
                write!(f, "{key}=")?;
            }
            f.write_str(&escape_value(value))?;
        }
        Ok(())
    }
}

/// A pad label such as `v3` (written `[v3]`), or an input stream such as `0:v:0`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Pad(String);

impl Pad {
    pub fn input_stream(input: usize, stream: &str) -> Pad {
        Pad(format!("{input}:{stream}:0"))
    }
}

impl Display for Pad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.0)
    }
}

/// `[in][in]filter,filter[out][out]`.
#[derive(Clone, Debug, PartialEq)]
struct Chain {
    inputs: Vec<Pad>,
    filters: Vec<Filter>,
    outputs: Vec<Pad>,
}

/// A whole filter graph, with fresh pad labels handed out as it is built.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Graph {
    chains: Vec<Chain>,
    labels: usize,
}

impl Graph {
    /// A new, unused pad label with a readable prefix.
    pub fn pad(&mut self, prefix: &str) -> Pad {
        self.labels += 1;
        Pad(format!("{prefix}{}", self.labels))
    }

    /// Adds `[inputs]filters[outputs]`.
    pub fn chain(&mut self, inputs: &[Pad], filters: Vec<Filter>, outputs: &[Pad]) {
        self.chains.push(Chain {
            inputs: inputs.to_vec(),
            filters,
            outputs: outputs.to_vec(),
        });
    }

    /// Adds `[input]filters[new]` and returns the new pad.
    pub fn then(&mut self, input: &Pad, filters: Vec<Filter>, prefix: &str) -> Pad {
        let output = self.pad(prefix);
        self.chain(
            std::slice::from_ref(input),
            filters,
            std::slice::from_ref(&output),
        );
        output
    }
}

impl Display for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, chain) in self.chains.iter().enumerate() {
            if n > 0 {
                f.write_char(';')?;
            }
            for pad in &chain.inputs {
                write!(f, "{pad}")?;
            }
            for (m, filter) in chain.filters.iter().enumerate() {
                if m > 0 {
                    f.write_char(',')?;
                }
                write!(f, "{filter}")?;
            }
            for pad in &chain.outputs {
                write!(f, "{pad}")?;
            }
        }
        Ok(())
    }
}

/// Both levels of ffmpeg's filtergraph escaping for one option value: first `\ ' :` for the
/// option parser, then `\ ' [ ] , ;` for the graph parser.
pub fn escape_value(value: &str) -> String {
    let option_level = escape_chars(value, &['\\', '\'', ':']);
    escape_chars(&option_level, &['\\', '\'', '[', ']', ',', ';'])
}

fn escape_chars(value: &str, special: &[char]) -> String {
    let mut escaped = String::with_capacity(value.len());
    for c in value.chars() {
        if special.contains(&c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Milliseconds as the seconds ffmpeg reads: 1033 → "1.033".
pub fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_with_graph_syntax_are_escaped_twice() {
        assert_eq!(escape_value("plain"), "plain");
        assert_eq!(escape_value("a:b"), "a\\\\:b");
        assert_eq!(escape_value("it's"), "it\\\\\\'s");
        assert_eq!(escape_value("between(t,1,2)"), "between(t\\,1\\,2)");
        assert_eq!(escape_value("/x/[y];z"), "/x/\\[y\\]\\;z");
    }

    #[test]
    fn a_graph_reads_as_ffmpeg_writes_it() {
        let mut graph = Graph::default();
        let input = Pad::input_stream(0, "v");
        let trimmed = graph.then(
            &input,
            vec![
                Filter::new("trim")
                    .opt("start", seconds(1_033))
                    .opt("end", seconds(2_500)),
                Filter::new("setpts").opt("expr", "PTS-STARTPTS"),
            ],
            "v",
        );
        let out = graph.pad("out");
        graph.chain(&[trimmed], vec![Filter::new("null")], &[out]);
        assert_eq!(
            graph.to_string(),
            "[0:v:0]trim=start=1.033:end=2.500,setpts=expr=PTS-STARTPTS[v1];[v1]null[out2]"
        );
    }
}
