//! A small evaluator of the Python expressions a job file uses: literals, module-level names,
//! lists and tuples, calls kept unevaluated until a keyword is asked for, `+ - * /` on numbers,
//! `+` on strings, `%` formatting, Aurora's size constants, and `{{NAME}}` bindings in strings.

use std::collections::{BTreeMap, HashMap};

use rustpython_parser::ast::{self, Ranged as _};

use super::{ConfigError, Result, line_col};

/// A call expression kept unevaluated: only the keyword arguments that are asked for are evaluated.
#[derive(Clone)]
pub(super) struct Call<'a> {
    pub(super) func: String,
    pub(super) kwargs: Vec<(String, &'a ast::Expr)>,
    pub(super) at: u32,
}

impl<'a> Call<'a> {
    pub(super) fn kwarg(&self, name: &str) -> Option<&'a ast::Expr> {
        // Python rejects repeated keywords; the last one would win in a dict, keep that.
        self.kwargs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, e)| *e)
    }
}

#[derive(Clone)]
pub(super) enum Value<'a> {
    Str(String),
    Int(i128),
    Float(f64),
    Bool(bool),
    None,
    /// Items with the source offset of each.
    List(Vec<(Value<'a>, u32)>),
    Call(Call<'a>),
}

impl Value<'_> {
    pub(super) fn kind(&self) -> String {
        match self {
            Value::Str(s) => format!("the string {s:?}"),
            Value::Int(i) => format!("the integer {i}"),
            Value::Float(f) => format!("the number {f}"),
            Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
            Value::None => "None".into(),
            Value::List(_) => "a list".into(),
            Value::Call(c) => format!("{}(...)", c.func),
        }
    }

    /// Python's `str()`, for `%s` formatting and messages.
    pub(super) fn to_py_str(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => py_float(*f),
            Value::Bool(b) => if *b { "True" } else { "False" }.into(),
            Value::None => "None".into(),
            Value::List(items) => {
                let parts: Vec<String> = items.iter().map(|(v, _)| v.to_py_str()).collect();
                format!("[{}]", parts.join(", "))
            }
            Value::Call(c) => format!("{}(...)", c.func),
        }
    }
}

pub(super) fn py_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

/// Aurora's size constants (`apache.aurora.config.schema.base`).
fn builtin_constant(name: &str) -> Option<i128> {
    Some(match name {
        "B" => 1,
        "KB" => 1 << 10,
        "MB" => 1 << 20,
        "GB" => 1 << 30,
        "TB" => 1 << 40,
        _ => return None,
    })
}

const MAX_DEPTH: usize = 64;

pub(super) struct Module<'a> {
    pub(super) path: &'a str,
    pub(super) text: &'a str,
    /// Module-level `name = expr`; the last assignment wins, as when Python runs the file.
    pub(super) names: HashMap<String, &'a ast::Expr>,
    pub(super) bindings: &'a BTreeMap<String, String>,
}

impl<'a> Module<'a> {
    pub(super) fn new(
        path: &'a str,
        text: &'a str,
        suite: &'a ast::Suite,
        bindings: &'a BTreeMap<String, String>,
    ) -> Self {
        let mut names = HashMap::new();
        for stmt in suite {
            if let ast::Stmt::Assign(assign) = stmt {
                for target in &assign.targets {
                    if let ast::Expr::Name(name) = target {
                        names.insert(name.id.to_string(), assign.value.as_ref());
                    }
                }
            }
        }
        Module {
            path,
            text,
            names,
            bindings,
        }
    }

    pub(super) fn err(&self, expr: &ast::Expr, message: String) -> ConfigError {
        self.err_at(expr.start().into(), message)
    }

    pub(super) fn err_at(&self, offset: u32, message: String) -> ConfigError {
        let (line, _) = line_col(self.text, offset);
        ConfigError(format!("{}:{line}: {message}", self.path))
    }

    fn bind(&self, s: &str) -> String {
        if !s.contains("{{") {
            return s.to_string();
        }
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(open) = rest.find("{{") {
            out.push_str(&rest[..open]);
            let after = &rest[open + 2..];
            match after.find("}}") {
                Some(close) => {
                    let name = after[..close].trim();
                    match self.bindings.get(name) {
                        Some(value) => out.push_str(value),
                        None => out.push_str(&rest[open..open + 2 + close + 2]),
                    }
                    rest = &after[close + 2..];
                }
                None => {
                    out.push_str(&rest[open..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    pub(super) fn eval(&self, expr: &'a ast::Expr, depth: usize) -> Result<Value<'a>> {
        if depth > MAX_DEPTH {
            return Err(self.err(
                expr,
                "names refer to each other too deeply (a cycle?)".into(),
            ));
        }
        match expr {
            ast::Expr::Constant(c) => match &c.value {
                ast::Constant::Str(s) => Ok(Value::Str(self.bind(s))),
                ast::Constant::Int(i) => i
                    .to_string()
                    .parse::<i128>()
                    .map(Value::Int)
                    .map_err(|_| self.err(expr, "integer literal out of range".into())),
                ast::Constant::Float(f) => Ok(Value::Float(*f)),
                ast::Constant::Bool(b) => Ok(Value::Bool(*b)),
                ast::Constant::None => Ok(Value::None),
                _ => Err(self.unsupported(expr, "this literal")),
            },
            ast::Expr::Name(n) => {
                if let Some(target) = self.names.get(n.id.as_str()) {
                    self.eval(target, depth + 1)
                } else if let Some(v) = builtin_constant(n.id.as_str()) {
                    Ok(Value::Int(v))
                } else {
                    Err(self.err(expr, format!("name `{}` is not defined", n.id.as_str())))
                }
            }
            ast::Expr::List(l) => self.eval_items(&l.elts, depth),
            ast::Expr::Tuple(t) => self.eval_items(&t.elts, depth),
            ast::Expr::Call(call) => {
                let ast::Expr::Name(func) = call.func.as_ref() else {
                    return Err(
                        self.unsupported(expr, "a call of something other than a plain name")
                    );
                };
                if !call.args.is_empty() {
                    return Err(self.unsupported(
                        expr,
                        &format!("positional arguments to {}(...)", func.id.as_str()),
                    ));
                }
                let mut kwargs = Vec::new();
                for kw in &call.keywords {
                    let Some(arg) = &kw.arg else {
                        return Err(self.unsupported(expr, "`**kwargs` in a call"));
                    };
                    kwargs.push((arg.to_string(), &kw.value));
                }
                Ok(Value::Call(Call {
                    func: func.id.to_string(),
                    kwargs,
                    at: expr.start().into(),
                }))
            }
            ast::Expr::UnaryOp(u) => {
                let v = self.eval(&u.operand, depth + 1)?;
                match (u.op, v) {
                    (ast::UnaryOp::USub, Value::Int(i)) => Ok(Value::Int(-i)),
                    (ast::UnaryOp::USub, Value::Float(f)) => Ok(Value::Float(-f)),
                    (ast::UnaryOp::UAdd, v @ (Value::Int(_) | Value::Float(_))) => Ok(v),
                    _ => Err(self.unsupported(expr, "this unary operator")),
                }
            }
            ast::Expr::BinOp(b) => {
                let left = self.eval(&b.left, depth + 1)?;
                let right = self.eval(&b.right, depth + 1)?;
                self.binop(expr, b.op, left, right)
            }
            _ => Err(self.unsupported(expr, "this kind of expression")),
        }
    }

    /// Follows module-level names to the expression they stand for, without evaluating it.
    pub(super) fn resolve(&self, expr: &'a ast::Expr, depth: usize) -> &'a ast::Expr {
        match expr {
            ast::Expr::Name(n) if depth < MAX_DEPTH => match self.names.get(n.id.as_str()) {
                Some(target) => self.resolve(target, depth + 1),
                None => expr,
            },
            _ => expr,
        }
    }

    fn eval_items(&self, elts: &'a [ast::Expr], depth: usize) -> Result<Value<'a>> {
        let mut items = Vec::with_capacity(elts.len());
        for e in elts {
            items.push((self.eval(e, depth + 1)?, e.start().into()));
        }
        Ok(Value::List(items))
    }

    fn unsupported(&self, expr: &ast::Expr, what: &str) -> ConfigError {
        self.err(
            expr,
            format!(
                "the aurora stand-in cannot evaluate {what}; keep the job key, instances and \
                 resources as literals, simple names or simple arithmetic"
            ),
        )
    }

    fn binop(
        &self,
        expr: &ast::Expr,
        op: ast::Operator,
        left: Value<'a>,
        right: Value<'a>,
    ) -> Result<Value<'a>> {
        use ast::Operator as Op;
        let overflow = || self.err(expr, "integer overflow".into());
        Ok(match (op, left, right) {
            (Op::Add, Value::Str(a), Value::Str(b)) => Value::Str(a + &b),
            (Op::Mod, Value::Str(fmt), args) => Value::Str(self.percent_format(expr, &fmt, args)?),
            (Op::Add, Value::Int(a), Value::Int(b)) => {
                Value::Int(a.checked_add(b).ok_or_else(overflow)?)
            }
            (Op::Sub, Value::Int(a), Value::Int(b)) => {
                Value::Int(a.checked_sub(b).ok_or_else(overflow)?)
            }
            (Op::Mult, Value::Int(a), Value::Int(b)) => {
                Value::Int(a.checked_mul(b).ok_or_else(overflow)?)
            }
            (Op::Div, Value::Int(a), Value::Int(b)) if b != 0 => Value::Float(a as f64 / b as f64),
            (op @ (Op::Add | Op::Sub | Op::Mult | Op::Div), a, b) => {
                let (Some(x), Some(y)) = (as_f64(&a), as_f64(&b)) else {
                    return Err(
                        self.unsupported(expr, &format!("{op:?} on {} and {}", a.kind(), b.kind()))
                    );
                };
                match op {
                    Op::Add => Value::Float(x + y),
                    Op::Sub => Value::Float(x - y),
                    Op::Mult => Value::Float(x * y),
                    _ if y != 0.0 => Value::Float(x / y),
                    _ => return Err(self.err(expr, "division by zero".into())),
                }
            }
            (op, a, b) => {
                return Err(
                    self.unsupported(expr, &format!("{op:?} on {} and {}", a.kind(), b.kind()))
                );
            }
        })
    }

    /// Python's `fmt % args` for `%s`, `%d` and `%%`.
    fn percent_format(&self, expr: &ast::Expr, fmt: &str, args: Value<'a>) -> Result<String> {
        let args: Vec<Value<'a>> = match args {
            Value::List(items) => items.into_iter().map(|(v, _)| v).collect(),
            one => vec![one],
        };
        let mut args = args.into_iter();
        let mut out = String::new();
        let mut chars = fmt.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some('s') => match args.next() {
                    Some(v) => out.push_str(&v.to_py_str()),
                    None => {
                        return Err(self.err(expr, "not enough arguments for format string".into()));
                    }
                },
                Some('d') => match args.next() {
                    Some(Value::Int(i)) => out.push_str(&i.to_string()),
                    Some(Value::Float(f)) => out.push_str(&(f.trunc() as i128).to_string()),
                    Some(other) => {
                        return Err(self.err(
                            expr,
                            format!("%d format: a number is required, not {}", other.kind()),
                        ));
                    }
                    None => {
                        return Err(self.err(expr, "not enough arguments for format string".into()));
                    }
                },
                other => {
                    return Err(self.unsupported(
                        expr,
                        &format!(
                            "the format `%{}`",
                            other.map(String::from).unwrap_or_default()
                        ),
                    ));
                }
            }
        }
        if args.next().is_some() {
            return Err(self.err(
                expr,
                "not all arguments converted during string formatting".into(),
            ));
        }
        Ok(out)
    }
}

fn as_f64(v: &Value<'_>) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}
