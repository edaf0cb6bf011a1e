//! The BSL (1C:Enterprise language) reader of tests/extension.rs: a tokenizer that drops
//! comments and keeps string and date literals whole, and a block checker that finds the
//! routines of a module and refuses unbalanced Процедура/Если/Попытка/Цикл and #Область/#Если.

#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Ident(String),
    Str(String),
    Punct(char),
    Number(String),
    /// A preprocessor line (#Область, #КонецОбласти, #Если …), keyword lowercased.
    Preproc(String),
}

/// Splits BSL into tokens, dropping comments; string literals ("…", with "" for a quote and
/// continuation lines) and date literals ('…') become one token each.
pub fn tokenize(source: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let mut line_start = true;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            line_start = true;
            i += 1;
            continue;
        }
        if c.is_whitespace() || c == '\u{feff}' {
            i += 1;
            continue;
        }
        let at_line_start = std::mem::replace(&mut line_start, false);
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '#' && at_line_start {
            let start = i + 1;
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            let directive: String = chars[start..i].iter().collect();
            let word = directive
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_lowercase();
            out.push((Token::Preproc(word), line));
        } else if c == '"' || c == '\'' {
            let start_line = line;
            let mut value = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => panic!("unterminated literal opened on line {start_line}"),
                    Some(&q) if q == c && c == '"' && chars.get(i + 1) == Some(&'"') => {
                        value.push('"');
                        i += 2;
                    }
                    Some(&q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        if ch == '\n' {
                            assert!(c == '"', "date literal broken across lines at line {line}");
                            line += 1;
                        }
                        value.push(ch);
                        i += 1;
                    }
                }
            }
            out.push((Token::Str(value), start_line));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Token::Ident(chars[start..i].iter().collect()), line));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            out.push((Token::Number(chars[start..i].iter().collect()), line));
        } else {
            out.push((Token::Punct(c), line));
            i += 1;
        }
    }
    out
}

pub fn ident_is(token: &Token, word: &str) -> bool {
    matches!(token, Token::Ident(s) if s.to_lowercase() == word.to_lowercase())
}

/// A routine (Процедура/Функция) of a module.
#[derive(Debug)]
pub struct Routine {
    pub name: String,
    pub params: usize,
    /// The parameters in order: name and whether it has a default value.
    pub parameters: Vec<(String, bool)>,
    pub exported: bool,
    /// Line of the Процедура/Функция keyword.
    pub line: usize,
    pub function: bool,
}

/// Number of arguments in the parenthesised list opening at `open`.
pub fn argument_count(tokens: &[(Token, usize)], open: usize) -> usize {
    let mut depth = 0;
    let mut commas = 0;
    let mut empty = true;
    for (token, _) in &tokens[open..] {
        match token {
            Token::Punct('(') | Token::Punct('[') => depth += 1,
            Token::Punct(')') | Token::Punct(']') => {
                depth -= 1;
                if depth == 0 {
                    return if empty { 0 } else { commas + 1 };
                }
            }
            Token::Punct(',') if depth == 1 => commas += 1,
            _ => {}
        }
        if depth >= 1 && !matches!(token, Token::Punct('(')) {
            empty = false;
        }
    }
    panic!("unbalanced parentheses")
}

/// The parameters declared in the list opening at `open` (after a routine's name): each name
/// (`Знач` dropped) and whether a default (`= …`) follows it.
pub fn parameters(tokens: &[(Token, usize)], open: usize) -> Vec<(String, bool)> {
    let end = closing_paren(tokens, open);
    let mut out = Vec::new();
    let mut current: Option<(String, bool)> = None;
    for (token, _) in &tokens[open + 1..end] {
        match token {
            Token::Punct(',') => out.extend(current.take()),
            Token::Punct('=') => {
                if let Some(c) = current.as_mut() {
                    c.1 = true;
                }
            }
            Token::Ident(word)
                if current.is_none() && !ident_is(token, "Знач") && !ident_is(token, "Val") =>
            {
                current = Some((word.clone(), false));
            }
            _ => {}
        }
    }
    out.extend(current);
    out
}

/// Index of the parenthesis closing the one at `open`.
pub fn closing_paren(tokens: &[(Token, usize)], open: usize) -> usize {
    let mut depth = 0;
    for (j, (t, _)) in tokens.iter().enumerate().skip(open) {
        match t {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced parentheses")
}

/// Checks that every block opens and closes in order (Процедура…КонецПроцедуры,
/// Функция…КонецФункции at the top level only; Если, Попытка, Цикл inside them; Иначе/ИначеЕсли
/// only in Если, Исключение only in Попытка; #Область/#Если balanced) and returns the routines.
pub fn check_blocks(where_: &str, tokens: &[(Token, usize)]) -> Vec<Routine> {
    const PAIRS: &[(&str, &str)] = &[
        ("Процедура", "КонецПроцедуры"),
        ("Функция", "КонецФункции"),
        ("Если", "КонецЕсли"),
        ("Попытка", "КонецПопытки"),
        ("Цикл", "КонецЦикла"),
        ("Procedure", "EndProcedure"),
        ("Function", "EndFunction"),
        ("If", "EndIf"),
        ("Try", "EndTry"),
        ("Do", "EndDo"),
    ];
    let mut stack: Vec<(&str, usize)> = Vec::new();
    let mut regions: Vec<usize> = Vec::new();
    let mut conditions: Vec<usize> = Vec::new();
    let mut routines = Vec::new();
    for (i, (token, line)) in tokens.iter().enumerate() {
        let after_dot = i > 0 && tokens[i - 1].0 == Token::Punct('.');
        match token {
            Token::Preproc(word) => match word.as_str() {
                "область" | "region" => regions.push(*line),
                "конецобласти" | "endregion" => {
                    regions.pop().unwrap_or_else(|| {
                        panic!("{where_}:{line}: #КонецОбласти without #Область")
                    });
                }
                "если" | "if" => conditions.push(*line),
                "конецесли" | "endif" => {
                    conditions
                        .pop()
                        .unwrap_or_else(|| panic!("{where_}:{line}: #КонецЕсли without #Если"));
                }
                _ => {}
            },
            Token::Ident(word) if !after_dot => {
                let lower = word.to_lowercase();
                if let Some((open, _)) = PAIRS.iter().find(|(o, _)| o.to_lowercase() == lower) {
                    let routine =
                        matches!(*open, "Процедура" | "Функция" | "Procedure" | "Function");
                    if routine {
                        assert!(
                            stack.is_empty(),
                            "{where_}:{line}: {word} inside {} opened on line {}",
                            stack.last().unwrap().0,
                            stack.last().unwrap().1
                        );
                        let name = match tokens.get(i + 1) {
                            Some((Token::Ident(name), _)) => name.clone(),
                            _ => panic!("{where_}:{line}: {word} without a name"),
                        };
                        assert_eq!(
                            tokens.get(i + 2).map(|t| &t.0),
                            Some(&Token::Punct('(')),
                            "{where_}:{line}: {name}"
                        );
                        let params = argument_count(tokens, i + 2);
                        let end = closing_paren(tokens, i + 2);
                        let exported = tokens
                            .get(end + 1)
                            .is_some_and(|(t, _)| ident_is(t, "Экспорт") || ident_is(t, "Export"));
                        routines.push(Routine {
                            name,
                            params,
                            parameters: parameters(tokens, i + 2),
                            exported,
                            line: *line,
                            function: matches!(*open, "Функция" | "Function"),
                        });
                    } else {
                        assert!(
                            !stack.is_empty(),
                            "{where_}:{line}: {word} outside a procedure or function"
                        );
                    }
                    stack.push((open, *line));
                } else if let Some((open, close)) =
                    PAIRS.iter().find(|(_, c)| c.to_lowercase() == lower)
                {
                    match stack.pop() {
                        Some((top, _)) if top == *open => {}
                        Some((top, opened)) => {
                            panic!("{where_}:{line}: {close} closes {top} opened on line {opened}")
                        }
                        None => panic!("{where_}:{line}: {close} without {open}"),
                    }
                } else if matches!(lower.as_str(), "иначе" | "иначеесли" | "else" | "elsif")
                {
                    assert!(
                        stack
                            .last()
                            .is_some_and(|(top, _)| matches!(*top, "Если" | "If")),
                        "{where_}:{line}: {word} outside Если"
                    );
                } else if matches!(lower.as_str(), "исключение" | "except") {
                    assert!(
                        stack
                            .last()
                            .is_some_and(|(top, _)| matches!(*top, "Попытка" | "Try")),
                        "{where_}:{line}: {word} outside Попытка"
                    );
                }
            }
            _ => {}
        }
    }
    if let Some((open, line)) = stack.last() {
        panic!("{where_}: {open} opened on line {line} is never closed");
    }
    assert!(
        regions.is_empty(),
        "{where_}: #Область on line {} is never closed",
        regions[0]
    );
    assert!(
        conditions.is_empty(),
        "{where_}: #Если on line {} is never closed",
        conditions[0]
    );
    routines
}
