//! Errors from loading rule packs and applying the office's overrides.
//!
//! Every variant names the pack, rule, parameter or entry at fault, because the
//! office edits overrides in the UI and must be told exactly what to fix.

/// Why a rule set could not be compiled.
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum RulesError {
    /// A pack file is not valid TOML or does not match the pack schema.
    #[error("规则包 {pack} 无法解析：{message}")]
    PackParse {
        /// Pack file name.
        pack: String,
        /// Parser message.
        message: String,
    },
    /// A line of a TSV dictionary is malformed.
    #[error("词典 {file} 第 {line} 行格式错误：{message}")]
    DictionaryParse {
        /// Dictionary file name.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// A rule refers to a dictionary file that is not among the pack sources.
    #[error("规则 {rule} 引用的词典文件 {file} 不存在")]
    MissingDictionaryFile {
        /// Rule id.
        rule: String,
        /// Missing file name.
        file: String,
    },
    /// Two rules share an id.
    #[error("规则 {id} 重复定义")]
    DuplicateRule {
        /// The duplicated id.
        id: String,
    },
    /// A rule definition is inconsistent (id vs category, severity vs points, duplicate kind…).
    #[error("规则 {rule} 定义无效：{reason}")]
    InvalidRule {
        /// Rule id.
        rule: String,
        /// What is wrong.
        reason: String,
    },
    /// An override names a rule that does not exist.
    #[error("覆盖配置引用了不存在的规则 {rule}")]
    UnknownRule {
        /// Rule id as written in the override.
        rule: String,
    },
    /// An override sets a parameter the rule does not have.
    #[error("规则 {rule} 没有参数 {param}")]
    UnknownParam {
        /// Rule id.
        rule: String,
        /// Parameter name.
        param: String,
    },
    /// A parameter value has the wrong type or is out of range.
    #[error("规则 {rule} 的参数 {param} 无效：{reason}")]
    InvalidParam {
        /// Rule id.
        rule: String,
        /// Parameter name.
        param: String,
        /// What is wrong.
        reason: String,
    },
    /// A dictionary entry (from a pack or an override) is invalid.
    #[error("规则 {rule} 的词条“{wrong}”无效：{reason}")]
    InvalidEntry {
        /// Rule id.
        rule: String,
        /// The entry's wrong form.
        wrong: String,
        /// What is wrong.
        reason: String,
    },
    /// An override disables or extends an entry that does not exist.
    #[error("规则 {rule} 中没有词条“{wrong}”")]
    UnknownEntry {
        /// Rule id.
        rule: String,
        /// The entry's wrong form.
        wrong: String,
    },
    /// An override adds dictionary entries to a rule that is not a dictionary.
    #[error("规则 {rule} 不是词典规则，不能增删词条或例外")]
    NotADictionary {
        /// Rule id.
        rule: String,
    },
    /// The override tries to change something the rule decides from its thresholds.
    #[error("规则 {rule} 的{field}由阈值参数决定，请修改参数")]
    NotOverridable {
        /// Rule id.
        rule: String,
        /// The field (严重程度/扣分).
        field: String,
    },
    /// The dictionary automaton could not be built (e.g. it would exceed its size limit).
    #[error("词典自动机构建失败：{reason}")]
    Automaton {
        /// Builder message.
        reason: String,
    },
    /// The keyed-hash key is too short to protect hashed values.
    #[error("个人信息哈希密钥过短：至少需要 {min} 字节，实际 {got} 字节")]
    WeakHashKey {
        /// Minimum length in bytes.
        min: usize,
        /// Given length in bytes.
        got: usize,
    },
}
