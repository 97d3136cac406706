//! Liquibase changelogs in XML (quick-xml), YAML (yaml-rust2) and JSON (serde_json): the
//! changes of each `changeSet` (never its `rollback`), each written as the SQL it stands for and
//! judged as SQL, statement by statement on the change's own line, so that what the same file
//! did before counts as it does for SQL. Liquibase's formatted SQL is SQL and read as such.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{sql, Class, Finding, Source};

/// One change of a changeset: its kind (`addColumn`), attributes, columns, SQL text and line.
struct Change {
    kind: String,
    attrs: BTreeMap<String, String>,
    columns: Vec<Column>,
    text: String,
    line: usize,
}

/// A `column` of a change, with its `constraints` folded into the attributes.
type Column = BTreeMap<String, String>;

pub fn classify(src: &Source<'_>) -> Vec<Finding> {
    let lower = src.file.to_ascii_lowercase();
    let changes = if lower.ends_with(".xml") {
        xml_changes(src)
    } else if lower.ends_with(".json") {
        serde_json::from_str::<Value>(src.text)
            .map_err(|e| e.to_string())
            .and_then(|v| value_changes(src, &v))
    } else {
        yaml_value(src.text).and_then(|v| value_changes(src, &v))
    };
    let changes = match changes {
        Ok(changes) => changes,
        Err(e) => {
            return vec![src.unreadable(&format!(
                "could not read this Liquibase changelog ({e}); review it by hand"
            ))]
        }
    };
    let mut findings = Vec::new();
    let mut script = String::new();
    let mut line = 1;
    for change in &changes {
        match statements(change) {
            Some(sql) if sql.is_empty() => {}
            Some(sql) => {
                // Each change's SQL on the change's own line, so findings point at it.
                while line < change.line {
                    script.push('\n');
                    line += 1;
                }
                script.push_str(&sql.join("; "));
                script.push_str(";\n");
                line += 1;
            }
            None => findings.push(src.finding(
                change.line,
                Class::Unknown,
                &change.kind,
                &format!(
                    "a Liquibase {} change, which git-fastrevert does not read; review it by hand",
                    change.kind
                ),
            )),
        }
    }
    findings.extend(sql::classify(src.file, &script, src.dialect));
    findings.sort_by_key(|f| f.line);
    findings
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The SQL a change stands for; empty for changes that touch nothing (tags, comments,
/// includes), `None` for one the guard does not read.
// Long because one arm per Liquibase change type and the SQL it stands for: the rule table.
fn statements(change: &Change) -> Option<Vec<String>> {
    let a = |k: &str| change.attrs.get(k).map(String::as_str).unwrap_or("");
    let table = quote(a("tableName"));
    let names = |k: &str| {
        a(k).split(',')
            .map(|c| quote(c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let column_sql = |c: &Column| {
        let g = |k: &str| c.get(k).map(String::as_str);
        let mut sql = format!(
            "{} {}",
            quote(g("name").unwrap_or("")),
            g("type").unwrap_or("text")
        );
        let has_default =
            c.keys().any(|k| k.starts_with("defaultValue")) || g("autoIncrement") == Some("true");
        if has_default {
            sql.push_str(" DEFAULT 0");
        }
        if g("nullable") == Some("false") {
            sql.push_str(" NOT NULL");
        }
        if g("primaryKey") == Some("true") {
            sql.push_str(" PRIMARY KEY");
        }
        if g("unique") == Some("true") {
            sql.push_str(" UNIQUE");
        }
        sql
    };
    let alter = |what: String| format!("ALTER TABLE {table} {what}");
    let column = quote(a("columnName"));
    Some(match change.kind.as_str() {
        "createTable" => {
            let columns: Vec<String> = change.columns.iter().map(column_sql).collect();
            vec![format!("CREATE TABLE {table} ({})", columns.join(", "))]
        }
        "addColumn" => change
            .columns
            .iter()
            .map(|c| alter(format!("ADD COLUMN {}", column_sql(c))))
            .collect(),
        "dropColumn" if change.columns.is_empty() => vec![alter(format!("DROP COLUMN {column}"))],
        "dropColumn" => change
            .columns
            .iter()
            .map(|c| {
                alter(format!(
                    "DROP COLUMN {}",
                    quote(c.get("name").map_or("", |n| n))
                ))
            })
            .collect(),
        "renameColumn" => vec![alter(format!(
            "RENAME COLUMN {} TO {}",
            quote(a("oldColumnName")),
            quote(a("newColumnName"))
        ))],
        "modifyDataType" => vec![alter(format!(
            "ALTER COLUMN {column} TYPE {}",
            a("newDataType")
        ))],
        "addNotNullConstraint" => vec![alter(format!("ALTER COLUMN {column} SET NOT NULL"))],
        "dropNotNullConstraint" => vec![alter(format!("ALTER COLUMN {column} DROP NOT NULL"))],
        "addDefaultValue" => vec![alter(format!("ALTER COLUMN {column} SET DEFAULT 0"))],
        "dropDefaultValue" => vec![alter(format!("ALTER COLUMN {column} DROP DEFAULT"))],
        "addUniqueConstraint" => vec![alter(format!(
            "ADD CONSTRAINT {} UNIQUE ({})",
            quote(a("constraintName")),
            names("columnNames")
        ))],
        "addPrimaryKey" => vec![alter(format!(
            "ADD CONSTRAINT {} PRIMARY KEY ({})",
            quote(a("constraintName")),
            names("columnNames")
        ))],
        "addForeignKeyConstraint" => vec![format!(
            "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
            quote(a("baseTableName")),
            quote(a("constraintName")),
            names("baseColumnNames"),
            quote(a("referencedTableName")),
            names("referencedColumnNames")
        )],
        "dropForeignKeyConstraint" => vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            quote(a("baseTableName")),
            quote(a("constraintName"))
        )],
        "dropUniqueConstraint" | "dropPrimaryKey" => {
            vec![alter(format!(
                "DROP CONSTRAINT {}",
                quote(a("constraintName"))
            ))]
        }
        "createIndex" => {
            let unique = if a("unique") == "true" { "UNIQUE " } else { "" };
            let columns: Vec<String> = change
                .columns
                .iter()
                .map(|c| quote(c.get("name").map_or("", |n| n)))
                .collect();
            vec![format!(
                "CREATE {unique}INDEX {} ON {table} ({})",
                quote(a("indexName")),
                columns.join(", ")
            )]
        }
        "dropIndex" => vec![format!("DROP INDEX {}", quote(a("indexName")))],
        "dropTable" => vec![format!("DROP TABLE {table}")],
        "renameTable" => vec![format!(
            "ALTER TABLE {} RENAME TO {}",
            quote(a("oldTableName")),
            quote(a("newTableName"))
        )],
        "createView" => vec![format!("CREATE VIEW {} AS SELECT 1", quote(a("viewName")))],
        "dropView" => vec![format!("DROP VIEW {}", quote(a("viewName")))],
        "createSequence" => vec![format!("CREATE SEQUENCE {}", quote(a("sequenceName")))],
        "insert" | "loadData" | "loadUpdateData" => {
            vec![format!("INSERT INTO {table} VALUES (1)")]
        }
        "update" => vec![format!("UPDATE {table} SET x = 1")],
        "delete" => vec![format!("DELETE FROM {table}")],
        "sql" => vec![change.text.clone()],
        "tagDatabase" | "comment" | "output" | "empty" | "stop" | "include" | "includeAll"
        | "preConditions" | "validCheckSum" => Vec::new(),
        _ => return None,
    })
}

/// YAML as JSON values: Liquibase's YAML changelogs are plain maps, lists and scalars.
fn yaml_value(text: &str) -> Result<Value, String> {
    use yaml_rust2::{Yaml, YamlLoader};
    fn convert(y: &Yaml) -> Value {
        match y {
            Yaml::Hash(h) => {
                Value::Object(h.iter().map(|(k, v)| (scalar(k), convert(v))).collect())
            }
            Yaml::Array(a) => Value::Array(a.iter().map(convert).collect()),
            Yaml::Null | Yaml::BadValue => Value::Null,
            other => Value::String(scalar(other)),
        }
    }
    fn scalar(y: &Yaml) -> String {
        match y {
            Yaml::String(s) | Yaml::Real(s) => s.clone(),
            Yaml::Integer(i) => i.to_string(),
            Yaml::Boolean(b) => b.to_string(),
            _ => String::new(),
        }
    }
    let docs = YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
    Ok(docs.first().map(convert).unwrap_or(Value::Null))
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// The changes of a YAML or JSON changelog, each with the line where its kind is spelled.
fn value_changes(src: &Source<'_>, root: &Value) -> Result<Vec<Change>, String> {
    let log = root
        .get("databaseChangeLog")
        .and_then(Value::as_array)
        .ok_or("no databaseChangeLog list")?;
    let mut changes = Vec::new();
    let mut cursor = 0;
    for entry in log {
        let Some(set) = entry.get("changeSet") else {
            continue;
        };
        for change in set
            .get("changes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some((kind, body)) = change.as_object().and_then(|o| o.iter().next()) else {
                continue;
            };
            // The kind's next spelling as a key after the previous change's.
            let found = [format!("{kind}:"), format!("\"{kind}\"")]
                .iter()
                .filter_map(|k| src.text.get(cursor..)?.find(k.as_str()))
                .min()
                .map(|at| cursor + at);
            let line = found.map_or(1, |at| src.line_of(at));
            cursor = found.map_or(cursor, |at| at + 1);
            let mut attrs = BTreeMap::new();
            let mut columns = Vec::new();
            let mut text = String::new();
            for (k, v) in body.as_object().into_iter().flatten() {
                match k.as_str() {
                    "columns" => {
                        for c in v.as_array().into_iter().flatten() {
                            let c = c.get("column").unwrap_or(c);
                            let mut column = Column::new();
                            for (ck, cv) in c.as_object().into_iter().flatten() {
                                if ck == "constraints" {
                                    for (xk, xv) in cv.as_object().into_iter().flatten() {
                                        column.insert(xk.clone(), text_of(xv));
                                    }
                                } else {
                                    column.insert(ck.clone(), text_of(cv));
                                }
                            }
                            columns.push(column);
                        }
                    }
                    "sql" => text = text_of(v),
                    _ => {
                        attrs.insert(k.clone(), text_of(v));
                    }
                }
            }
            changes.push(Change {
                kind: kind.clone(),
                attrs,
                columns,
                text,
                line,
            });
        }
    }
    Ok(changes)
}

/// An XML element: name, attributes, children, text and where it starts.
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    children: Vec<Element>,
    text: String,
    at: usize,
}

// Long because one loop over quick-xml's events, one arm per event kind, building one tree.
fn xml_tree(text: &str) -> Result<Element, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack = vec![Element {
        name: String::new(),
        attrs: BTreeMap::new(),
        children: Vec::new(),
        text: String::new(),
        at: 0,
    }];
    let open = |e: &quick_xml::events::BytesStart<'_>, at: usize| -> Result<Element, String> {
        let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
        let mut attrs = BTreeMap::new();
        for attr in e.attributes() {
            let attr = attr.map_err(|e| e.to_string())?;
            let key = String::from_utf8_lossy(attr.key.local_name().as_ref()).into_owned();
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| e.to_string())?;
            attrs.insert(key, value.into_owned());
        }
        Ok(Element {
            name,
            attrs,
            children: Vec::new(),
            text: String::new(),
            at,
        })
    };
    loop {
        let at = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => stack.push(open(&e, at)?),
            Event::Empty(e) => {
                let element = open(&e, at)?;
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(element);
                }
            }
            Event::End(_) => {
                let element = stack.pop().ok_or("unbalanced XML")?;
                stack
                    .last_mut()
                    .ok_or("unbalanced XML")?
                    .children
                    .push(element);
            }
            Event::Text(t) => {
                let raw = t.decode().map_err(|e| e.to_string())?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&raw);
                }
            }
            Event::CData(t) => {
                let raw = t.decode().map_err(|e| e.to_string())?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&raw);
                }
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| e.to_string())?;
                let ch = match name.as_ref() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "quot" => "\"",
                    "apos" => "'",
                    _ => "",
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(ch);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err("unclosed XML element".into());
    }
    stack.pop().ok_or_else(|| "empty XML".into())
}

fn xml_changes(src: &Source<'_>) -> Result<Vec<Change>, String> {
    let root = xml_tree(src.text)?;
    let log = root
        .children
        .iter()
        .find(|e| e.name == "databaseChangeLog")
        .ok_or("no databaseChangeLog element")?;
    let mut changes = Vec::new();
    for set in log.children.iter().filter(|e| e.name == "changeSet") {
        for change in &set.children {
            if matches!(
                change.name.as_str(),
                "rollback" | "comment" | "preConditions" | "validCheckSum"
            ) {
                continue;
            }
            let columns = change
                .children
                .iter()
                .filter(|c| c.name == "column")
                .map(|c| {
                    let mut column = c.attrs.clone();
                    for constraints in c.children.iter().filter(|x| x.name == "constraints") {
                        column.extend(constraints.attrs.clone());
                    }
                    column
                })
                .collect();
            let text = if change.name == "sql" {
                change.text.clone()
            } else {
                String::new()
            };
            changes.push(Change {
                kind: change.name.clone(),
                attrs: change.attrs.clone(),
                columns,
                text,
                line: src.line_of(change.at),
            });
        }
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migrations::Dialect;

    fn classes(file: &str, text: &str) -> Vec<(usize, Class)> {
        let src = Source::new(file, text, Dialect::Postgres);
        classify(&src).iter().map(|f| (f.line, f.class)).collect()
    }

    #[test]
    fn yaml_changes_are_judged_and_rollbacks_left_out() {
        let yaml = "databaseChangeLog:\n  - changeSet:\n      id: 1\n      author: ops\n      changes:\n        - addColumn:\n            tableName: person\n            columns:\n              - column:\n                  name: nickname\n                  type: varchar(50)\n        - addColumn:\n            tableName: person\n            columns:\n              - column:\n                  name: region\n                  type: varchar(2)\n                  constraints:\n                    nullable: false\n        - dropColumn:\n            tableName: person\n            columnName: legacy\n      rollback:\n        - dropTable:\n            tableName: person\n";
        use Class::*;
        assert_eq!(
            classes("db/changelog/1.yaml", yaml),
            vec![(6, Additive), (12, Destructive), (20, Destructive)]
        );
    }

    #[test]
    fn xml_changes_are_judged_and_rollbacks_left_out() {
        let xml = "<?xml version=\"1.0\"?>\n<databaseChangeLog xmlns=\"http://www.liquibase.org/xml/ns/dbchangelog\">\n  <changeSet id=\"1\" author=\"ops\">\n    <createTable tableName=\"tag\">\n      <column name=\"id\" type=\"int\"><constraints primaryKey=\"true\" nullable=\"false\"/></column>\n    </createTable>\n    <createIndex indexName=\"person_email\" tableName=\"person\" unique=\"true\">\n      <column name=\"email\"/>\n    </createIndex>\n    <renameColumn tableName=\"person\" oldColumnName=\"nick\" newColumnName=\"nickname\"/>\n    <sql>UPDATE person SET active = true</sql>\n    <rollback><dropTable tableName=\"tag\"/></rollback>\n  </changeSet>\n</databaseChangeLog>\n";
        use Class::*;
        assert_eq!(
            classes("db/changelog/1.xml", xml),
            vec![
                (4, Additive),
                (7, Destructive),
                (10, Destructive),
                (11, Review)
            ]
        );
    }

    #[test]
    fn json_changes_are_judged_and_unknown_ones_refuse() {
        let json = "{\n  \"databaseChangeLog\": [\n    {\"changeSet\": {\"id\": \"1\", \"author\": \"ops\", \"changes\": [\n      {\"createIndex\": {\"indexName\": \"i\", \"tableName\": \"person\", \"columns\": [{\"column\": {\"name\": \"email\"}}]}},\n      {\"customChange\": {\"class\": \"com.example.Backfill\"}}\n    ]}}\n  ]\n}\n";
        use Class::*;
        assert_eq!(
            classes("db/changelog/1.json", json),
            vec![(4, Additive), (5, Unknown)]
        );
        assert_eq!(
            classes("db/changelog/2.yaml", "databaseChangeLog: [\n"),
            vec![(1, Unknown)]
        );
    }
}
