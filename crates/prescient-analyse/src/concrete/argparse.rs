//! The command line as a run sees it: `sys.argv` and the common subset of
//! `argparse` (options with `type=`, `default=`, `store_true`, positional
//! arguments), so that an entry function that reads its sizes from the
//! command line can run. A scaled run shrinks the integer sizes it reads
//! there, as it does those of a call's arguments.

use super::exec::{raise, unsupported, Exec};
use super::value::*;
use super::{Stop, SCALED_FROM};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

impl Exec<'_> {
    /// A command-line integer as the run sees it.
    pub(super) fn scaled_text(&mut self, text: &str) -> String {
        match text.trim().parse::<i64>() {
            Ok(v) if self.argv_scale < 1.0 && v.abs() >= SCALED_FROM => {
                self.shrink(v, self.argv_scale).to_string()
            }
            _ => text.to_string(),
        }
    }

    pub(super) fn sys_argv(&mut self) -> CV {
        let mut items = vec![CV::str(&self.program)];
        for a in self.argv.clone() {
            items.push(CV::str(&self.scaled_text(&a)));
        }
        CV::list(items)
    }

    pub(super) fn parser_method(
        &mut self,
        p: &Rc<RefCell<Parser>>,
        m: &str,
        pos: Vec<CV>,
        kw: Vec<(String, CV)>,
    ) -> Result<CV, Stop> {
        match m {
            "add_argument" => {
                let flags: Vec<String> = pos
                    .iter()
                    .filter_map(|v| match v {
                        CV::Str(s) => Some(s.to_string()),
                        _ => None,
                    })
                    .collect();
                let Some(first) = flags.first() else {
                    return raise("TypeError");
                };
                let positional = !first.starts_with('-');
                let mut opt = Opt {
                    dest: dest_of(&flags),
                    flags: if positional {
                        Vec::new()
                    } else {
                        flags.clone()
                    },
                    kind: None,
                    default: CV::None,
                    flag_value: None,
                };
                for (k, v) in kw {
                    match (k.as_str(), &v) {
                        ("type", _) => opt.kind = Some(v),
                        ("default", _) => opt.default = v,
                        ("dest", CV::Str(d)) => opt.dest = d.to_string(),
                        ("action", CV::Str(a)) if &**a == "store_true" => {
                            opt.flag_value = Some(true);
                            opt.default = CV::Bool(false);
                        }
                        ("action", CV::Str(a)) if &**a == "store_false" => {
                            opt.flag_value = Some(false);
                            opt.default = CV::Bool(true);
                        }
                        ("action" | "nargs", _) => return unsupported(format!("argparse `{k}`")),
                        _ => {}
                    }
                }
                p.borrow_mut().opts.push(opt);
                Ok(CV::None)
            }
            "add_argument_group" | "add_mutually_exclusive_group" => Ok(CV::Parser(p.clone())),
            "parse_args" => self.parse_args(p),
            "set_defaults" => {
                for (k, v) in kw {
                    p.borrow_mut().opts.push(Opt {
                        dest: k,
                        flags: Vec::new(),
                        kind: None,
                        default: v,
                        flag_value: Some(true),
                    });
                }
                Ok(CV::None)
            }
            _ => unsupported(format!("`ArgumentParser.{m}`")),
        }
    }

    fn parse_args(&mut self, p: &Rc<RefCell<Parser>>) -> Result<CV, Stop> {
        let mut out: HashMap<String, CV> = HashMap::new();
        let tokens = self.argv.clone();
        let parser = p.borrow();
        let mut positionals = parser
            .opts
            .iter()
            .filter(|o| o.flags.is_empty() && o.flag_value.is_none());
        let mut i = 0;
        while i < tokens.len() {
            let tok = &tokens[i];
            let is_flag = tok.starts_with('-') && tok.parse::<f64>().is_err() && tok.len() > 1;
            if is_flag {
                let (name, inline) = match tok.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (tok.clone(), None),
                };
                let Some(opt) = parser.opts.iter().find(|o| o.flags.contains(&name)) else {
                    // argparse exits on an unknown option: the run cannot go on.
                    return raise("SystemExit");
                };
                if let Some(b) = opt.flag_value {
                    out.insert(opt.dest.clone(), CV::Bool(b));
                    i += 1;
                    continue;
                }
                let value = match inline {
                    Some(v) => v,
                    None => {
                        i += 1;
                        match tokens.get(i) {
                            Some(v) => v.clone(),
                            None => return raise("SystemExit"),
                        }
                    }
                };
                let kind = opt.kind.clone();
                let dest = opt.dest.clone();
                let v = self.typed(&value, kind.as_ref())?;
                out.insert(dest, v);
            } else {
                let Some(opt) = positionals.next() else {
                    return raise("SystemExit");
                };
                let kind = opt.kind.clone();
                let dest = opt.dest.clone();
                let v = self.typed(tok, kind.as_ref())?;
                out.insert(dest, v);
            }
            i += 1;
        }
        if positionals.next().is_some() {
            return raise("SystemExit");
        }
        let missing: Vec<(String, CV, Option<CV>)> = parser
            .opts
            .iter()
            .filter(|o| !out.contains_key(&o.dest))
            .map(|o| (o.dest.clone(), o.default.clone(), o.kind.clone()))
            .collect();
        drop(parser);
        for (dest, default, kind) in missing {
            let v = match default {
                // argparse converts a string default with the option's type.
                CV::Str(s) if kind.is_some() => self.typed(&s, kind.as_ref())?,
                CV::Int(v) => CV::Int(self.shrink(v, self.argv_scale)),
                other => other,
            };
            out.insert(dest, v);
        }
        Ok(CV::Namespace(Rc::new(RefCell::new(out))))
    }

    fn typed(&mut self, text: &str, kind: Option<&CV>) -> Result<CV, Stop> {
        let text = self.scaled_text(text);
        match kind {
            None => Ok(CV::str(&text)),
            Some(f) => {
                let f = f.clone();
                self.call(&f, vec![CV::str(&text)], Vec::new())
            }
        }
    }
}

/// The attribute an option is stored under.
fn dest_of(flags: &[String]) -> String {
    let long = flags.iter().find(|f| f.starts_with("--"));
    let name = long.or(flags.first()).map(String::as_str).unwrap_or("");
    name.trim_start_matches('-').replace('-', "_")
}
