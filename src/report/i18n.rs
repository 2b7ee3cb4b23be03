//! Every word a report shows a person, in Simplified Chinese and English, in one place: fixed
//! labels (`Label`), the names of categories, classes, levels and action kinds, the sentences
//! that explain an action's evidence, and number formatting.
//!
//! The Chinese wording is what a PIPL compliance consultant writes in an assessment
//! (敏感个人信息, 保存期限超期...), not a word-for-word translation of the English.

use super::Lang;
use crate::finding::Sensitivity;
use crate::inventory::{Action, ActionKind, Evidence, Severity};
use std::borrow::Cow;

/// Declares `Label` with its Chinese and English text side by side, so a label cannot exist
/// in one language only, and `Label::ALL` cannot miss one.
macro_rules! labels {
    ($($name:ident => $zh:literal, $en:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Label {
            $($name,)*
        }

        impl Label {
            #[cfg(test)]
            pub const ALL: &'static [Label] = &[$(Label::$name,)*];

            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(
                        (Label::$name, Lang::Zh) => $zh,
                        (Label::$name, Lang::En) => $en,
                    )*
                }
            }
        }
    };
}

labels! {
    Title => "个人信息数据清单报告", "Personal data inventory report";
    Subtitle => "文件共享中的个人信息分布、风险与整改事项", "Where personal data sits in the file share, how risky it is, and what to do";
    Contents => "目录", "Contents";

    ScannedAt => "扫描时间", "Scanned at";
    Roots => "扫描范围", "Scanned locations";
    ToolVersion => "工具版本", "Tool version";
    Schema => "清单格式", "Inventory schema";
    FingerprintKey => "指纹密钥", "Fingerprint key";
    KeyStable => "固定密钥：可与其他扫描结果比对", "stable: comparable with other scans";
    KeyId => "密钥标识", "key id";
    KeyPerScan => "单次扫描随机密钥：不可跨次比对", "per scan: not comparable with other scans";
    Policy => "合规策略", "Policy";
    BuiltinPolicy => "内置默认策略", "built-in default policy";
    MinConfidence => "最低置信度", "Minimum confidence";
    Elapsed => "扫描耗时", "Scan time";
    Seconds => "秒", "s";

    SectionSummary => "概览", "Summary";
    SectionCategories => "按类别与敏感程度统计", "By category and sensitivity";
    SectionCharts => "各类个人信息所在的文件夹", "Where each category sits";
    SectionFolders => "重点文件夹", "Top folders";
    SectionActions => "整改事项", "Actions";
    SectionColumns => "含个人信息的数据列", "Columns with personal data";
    SectionSensitiveColumns => "含敏感个人信息的数据列", "Columns with sensitive personal information";
    SectionOldest => "保存时间最久的敏感个人信息文件", "Oldest files with sensitive personal information";
    SectionRiskiest => "风险最高的文件", "Riskiest files";
    SectionDuplicates => "重复副本", "Duplicate copies";
    SectionChanges => "与基线扫描相比的变化", "Changes since the baseline scan";
    SectionErrorsAndSkipped => "读取错误与未扫描的文件", "Errors and skipped files";
    SectionScanFacts => "扫描概况", "Scan facts";
    SectionTopActions => "最紧急的整改事项", "Most urgent actions";
    SectionStores => "各店铺概况", "Stores";
    SectionIdImages => "疑似证件照片", "Suspected ID images";
    SectionNames => "文件名与文件夹名中的个人信息", "Personal data in file and folder names";
    IntroIdImages => "以下图片的文件名或所在文件夹名表明其为身份证、护照、银行卡或手持身份证照片。pimap 没有读取图片内容；这类照片属于《个人信息保护法》第二十八条所列的敏感个人信息，请核实用途、限制访问，不再需要时删除。", "The names of these images, or of their folders, say they show an identity card, a passport, a bank card or a person holding their ID. pimap did not read them; such photos are sensitive personal information (PIPL Art. 28): check why they are kept, restrict who can open them, and delete them when no longer needed.";
    IntroNames => "以下文件或文件夹的名称本身含有个人信息（如手机号、姓名），即使文件内容未被读取或读取失败也会列出；文件夹只列一次。重命名可以避免名称随目录列表、备份和同步泄露。", "The names of these files or folders hold personal data themselves (a phone number, a name), listed even when the content was not or could not be read; a folder is listed once. Renaming them keeps the data out of directory listings, backups and sync logs.";
    PathPart => "名称位置", "Part of the path";
    IdImagesTotal => "疑似证件照片", "Suspected ID images";
    NameFindingsTotal => "文件名与文件夹名中的发现", "Findings in file and folder names";

    IntroSensitive => "敏感个人信息指《个人信息保护法》第二十八条所列信息，如身份证件号码、银行账户等金融账户信息；一经泄露易导致人格尊严受到侵害或人身、财产安全受到危害，处理时须取得单独同意并开展个人信息保护影响评估。",
        "Sensitive personal information is what PIPL Art. 28 lists, such as identity document numbers and financial accounts: once leaked it can harm a person's dignity, safety or property. Processing it needs separate consent and a personal information protection impact assessment.";
    IntroCharts => "每个类别列出发现数最多的前 10 个文件夹（压缩包内的文件计入压缩包所在文件夹）。", "For each category, the 10 folders with the most findings (files inside an archive count for the archive's folder).";
    IntroActions => "按合规策略判定需要处理的文件和数据列，最紧急的在前。", "Files and columns the policy asks you to deal with, most urgent first.";
    IntroOldest => "含敏感个人信息的文件，按文件内最新日期（无则按修改时间）从旧到新排列：超过保存期限的数据应删除或归档。", "Files holding sensitive personal information, oldest first by the newest date inside (else the modification time): data past its retention period should be deleted or archived.";
    IntroRiskiest => "风险评分（0–100）综合考虑信息类型、数量、保存时长和访问范围。", "The risk score (0-100) adds up what the data is, how much of it, how old it is and who can read the file.";
    IntroStores => "本次扫描包含多个店铺（--store 名称=目录），每个店铺的路径相对于其扫描目录；下表和图表分别列出各店铺的文件、发现数与整改事项。", "This scan covers several stores (--store NAME=FOLDER); each store's paths are relative to its own folder. The table and chart below give each store's files, findings and actions.";
    IntroDuplicates => "以下文件含有大量相同的个人信息，通常是同一份导出的副本；保留第一个，删除其余副本可减少泄露面。", "These files share most of their personal data, usually copies of one export: keep the first, delete the copies to shrink what can leak.";

    Files => "扫描文件数", "Files scanned";
    DataVolume => "数据量", "Data scanned";
    FilesWithFindings => "含个人信息的文件", "Files with personal data";
    Findings => "发现总数", "Findings";
    SensitiveFindings => "敏感个人信息", "Sensitive personal information";
    Minors => "不满十四周岁未成年人的身份证号", "Resident IDs of children under 14";
    MaskedValues => "已脱敏的值", "Already-masked values";
    HighRiskFiles => "高风险文件", "High-risk files";
    ActionsTotal => "整改事项", "Actions";
    ErrorsTotal => "读取错误", "Errors";
    SkippedTotal => "未扫描的文件", "Skipped files";
    FilesByRisk => "文件风险等级分布", "Files by risk level";
    ActionsByKind => "整改事项分类", "Actions by kind";
    ByCategory => "按类别", "By category";
    BySensitivity => "按敏感程度", "By sensitivity";

    Category => "类别", "Category";
    Class => "信息类型", "Class";
    Count => "数量", "Count";
    Share => "占比", "Share";
    Masked => "已脱敏", "Masked";
    FilesCount => "文件数", "Files";
    Folder => "文件夹", "Folder";
    SensitiveFiles => "含敏感信息的文件", "Files with sensitive data";
    HighestRisk => "最高风险", "Highest risk";
    Kind => "类型", "Kind";
    Severity => "紧急程度", "Severity";
    Path => "路径", "Path";
    Location => "位置（表 · 列 · 检测器）", "Where (table · column · detector)";
    Table => "表 / 工作表", "Table / sheet";
    Column => "列名", "Column";
    Detector => "检测器", "Detector";
    Rule => "策略规则", "Rule";
    Evidence => "依据", "Evidence";
    Sensitivity => "敏感程度", "Sensitivity";
    Hits => "命中数", "Hits";
    Rows => "非空行数", "Rows";
    Distinct => "去重后数量", "Distinct";
    MaskedShare => "已脱敏比例", "Masked share";
    Date => "日期", "Date";
    DateSource => "日期依据", "Date from";
    NewestDateInside => "文件内最新日期", "newest date inside";
    ModifiedTime => "修改时间", "modification time";
    Categories => "涉及类别", "Categories";
    RiskScore => "风险评分", "Risk score";
    RiskLevel => "风险等级", "Risk level";
    Factors => "评分构成", "Factors";
    FactorWhat => "信息类型", "what";
    FactorVolume => "数量", "volume";
    FactorAge => "时长", "age";
    FactorExposure => "访问范围", "exposure";
    Group => "组", "Group";
    Role => "角色", "Role";
    Kept => "保留", "keep";
    CopyRole => "副本", "copy";
    Overlap => "重合度", "Overlap";
    SharedValues => "相同值", "Shared values";
    Before => "之前", "Before";
    After => "之后", "After";
    Change => "变化", "Change";
    Baseline => "基线扫描时间", "Baseline scanned at";
    BaselineFile => "基线清单文件", "Baseline inventory";
    NewFiles => "新增文件", "New files";
    RemovedFiles => "已删除的文件", "Removed files";
    ChangedFiles => "有变化的文件", "Changed files";
    UnchangedFiles => "无变化的文件", "Unchanged files";
    ReusedFiles => "沿用基线结果的文件", "Files taken over from the baseline";
    ReadFiles => "重新读取的文件", "Files read";
    ActionsChangeOtherPolicy => "整改事项变化（策略已变更）", "Change in actions (other policy)";
    PolicyChanged => "两次扫描使用的合规策略不同（规则或设置已变更）：整改事项的增减可能来自策略变化，而非数据本身；不再列出的事项不代表已经整改。", "The two scans were judged by different policies (other rules or settings): changes in actions may come from the policy, not the data, and an action no longer listed has not necessarily been dealt with.";
    FindingsChange => "发现数变化", "Change in findings";
    ActionsChange => "整改事项变化", "Change in actions";
    Error => "错误", "Error";
    Reason => "原因", "Reason";
    Size => "大小", "Size";
    Store => "店铺", "Store";
    StoreRoot => "扫描目录", "Scanned folder";
    StoreChart => "各店铺按类别的发现数", "Findings by category in each store";
    Item => "项目", "Item";
    Value => "内容", "Value";
    NoneFound => "无", "None";
    NoRisk => "本清单未包含风险评分（可能由旧版 pimap 生成）。", "This inventory has no risk scores (it may come from an older pimap).";
    NoActions => "未发现需要整改的事项。", "No actions.";
    RootFolder => "（扫描根目录）", "(scan root)";
    TopFoldersFor => "发现数最多的文件夹", "folders with the most findings";

    SectionAttention => "需要特别注意的数据", "Data that needs attention";
    IntroMinors => "以下文件含有不满十四周岁未成年人的身份证号。《个人信息保护法》第二十八条将其列为敏感个人信息，第三十一条要求处理前取得其父母或其他监护人的同意并制定专门的处理规则：请优先核实用途、删除不需要的数据。", "These files hold resident IDs of children under 14. PIPL Art. 28 makes their data sensitive personal information, and Art. 31 requires a parent's or guardian's consent and dedicated processing rules: check why they are kept first, and delete what is not needed.";
    IntroPrecisionLost => "以下数据列中的身份证号或银行卡号被 Excel 存成了科学计数法（如 1.10105E+17）：第 15 位以后的数字已经丢失，这些值无法再识别或核对，但仍是不完整的个人信息。请修正导出方式（把该列设为文本格式）并替换这些文件。", "In these columns Excel turned resident ID or card numbers into floating-point numbers (1.10105E+17): the digits past the 15th are lost, so the values can no longer be found or checked, yet they are still partial personal data. Fix the export (format the column as text) and replace these files.";
    FilesWithMinors => "含未成年人身份证号的文件", "Files with children's resident IDs";
    ColumnsPrecisionLost => "数字被 Excel 截断的数据列", "Columns whose numbers Excel cut short";
    MinorsCount => "未成年人身份证号", "Children's IDs";
    PrecisionLost => "精度丢失的单元格", "Cells with lost digits";
    TimeZoneUnknown => "未能确定本机时区，时间按 UTC 显示。", "The local time zone could not be determined: times are shown in UTC.";

    PrivacyNote => "本报告只包含统计数字、文件路径和列名，不含任何个人信息原值；但它记录了个人信息的存放位置，请按内部资料妥善保管。", "This report holds counts, paths and column names, never a personal data value; it does record where personal data lives, so keep it confidential.";
    GeneratedBy => "由 pimap 生成", "Generated by pimap";

    // The workbook (`--format xlsx`): its sheets (Excel allows 31 characters, no `[]:*?/\`)
    // and the headers the other formats do not have.
    SheetSummary => "摘要", "Summary";
    SheetCategories => "个人信息类别", "Categories";
    SheetFiles => "文件", "Files";
    SheetColumns => "列", "Columns";
    SheetActions => "整改事项", "Actions";
    SheetMinors => "未成年人", "Minors";
    SheetPrecisionLost => "Excel损坏列", "Excel-damaged columns";
    SheetErrors => "错误", "Errors";
    SheetSkipped => "已跳过", "Skipped";
    SheetStores => "店铺", "Stores";
    SheetIdImages => "疑似证件照片", "Suspected ID images";
    SheetChanges => "变化", "Changes";
    Format => "格式", "Format";
    Modified => "修改时间", "Modified";
    FirstSeen => "首次发现", "First seen";
    ColumnId => "列标识", "Column id";
    NewestDate => "文件内最新日期", "Newest date inside";
    SizeBytes => "大小（字节）", "Size (bytes)";
    DataVolumeBytes => "数据量（字节）", "Data scanned (bytes)";
    ElapsedSeconds => "扫描耗时（秒）", "Scan time (seconds)";
    Encoding => "编码", "Encoding";
    Mode => "权限", "Mode";
    WorldReadable => "所有人可读", "World-readable";
    Yes => "是", "yes";
    No => "否", "no";
    Note => "说明", "Note";
    GeneralFindings => "一般个人信息", "General personal information";
    GeneralFiles => "仅含一般个人信息的文件", "Files with general personal information only";
}

/// A category's name (`national_id` → 身份证号); an unknown one is shown as it is.
pub fn category(lang: Lang, category: &str) -> Cow<'_, str> {
    let (zh, en) = match category {
        "national_id" => ("身份证号", "Resident ID"),
        "phone" => ("手机号/电话", "Phone"),
        "bank_card" => ("银行卡号", "Bank card"),
        "address" => ("地址", "Address"),
        "email" => ("电子邮箱", "E-mail"),
        "passport" => ("护照号", "Passport"),
        "name" => ("姓名", "Name"),
        "other" => ("其他", "Other"),
        unknown => return Cow::Borrowed(unknown),
    };
    Cow::Borrowed(pick(lang, zh, en))
}

/// The PIPL class of data: 敏感个人信息 (Art. 28) or 一般个人信息.
pub fn sensitivity(lang: Lang, sensitivity: Sensitivity) -> &'static str {
    match sensitivity {
        Sensitivity::Sensitive => pick(lang, "敏感个人信息", "Sensitive"),
        Sensitivity::General => pick(lang, "一般个人信息", "General"),
    }
}

/// An action's severity or a file's risk level.
pub fn level(lang: Lang, level: Severity) -> &'static str {
    match level {
        Severity::High => pick(lang, "高", "High"),
        Severity::Medium => pick(lang, "中", "Medium"),
        Severity::Low => pick(lang, "低", "Low"),
    }
}

/// A level from its inventory key (`high`, `medium`, `low`); an unknown one as it is.
pub fn level_key(lang: Lang, key: &str) -> Cow<'_, str> {
    match key {
        "high" => Cow::Borrowed(level(lang, Severity::High)),
        "medium" => Cow::Borrowed(level(lang, Severity::Medium)),
        "low" => Cow::Borrowed(level(lang, Severity::Low)),
        unknown => Cow::Borrowed(unknown),
    }
}

pub fn action_kind(lang: Lang, kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::RetentionOverdue => pick(lang, "保存期限超期", "Retention overdue"),
        ActionKind::ForbiddenLocation => pick(lang, "禁止存放位置", "Forbidden location"),
        ActionKind::MaskColumn => pick(lang, "需脱敏列", "Column to mask"),
        ActionKind::DuplicateCopy => pick(lang, "重复副本", "Duplicate copy"),
    }
}

/// The name of a detector (`cn_mobile` → 手机号码（cn_mobile）): in Chinese with its id in
/// parentheses for cross-reference (the name is the detector file's `name_zh`); in English,
/// and for detectors without a Chinese name, the id.
pub fn detector(lang: Lang, id: &str) -> Cow<'_, str> {
    let Some(zh) = crate::detect::builtin_spec(id).and_then(|s| s.name_zh.as_deref()) else {
        return Cow::Borrowed(id);
    };
    match lang {
        Lang::Zh => Cow::Owned(format!("{zh}（{id}）")),
        Lang::En => Cow::Borrowed(id),
    }
}

/// The rule of `policy::BUILTIN_POLICY` (a test checks they agree).
const BUILTIN_RULE: &str = "Mask sensitive columns";

/// A policy rule's name: the user's as written; the two names pimap gives (the built-in
/// policy's rule, the duplicates' implied rule) in the report's language.
pub fn rule(lang: Lang, name: &str) -> Cow<'_, str> {
    match (lang, name) {
        (Lang::Zh, crate::inventory::policy::DUPLICATES_RULE) => {
            Cow::Borrowed("重复副本（[duplicates] 设置）")
        }
        (Lang::Zh, BUILTIN_RULE) => Cow::Borrowed("敏感信息列须脱敏（内置策略）"),
        _ => Cow::Borrowed(name),
    }
}

/// Why a file was skipped, for the reasons pimap itself gives (`walk.rs`, `source::claim`);
/// any other reason as it is.
pub fn skip_reason(lang: Lang, reason: &str) -> Cow<'_, str> {
    if lang == Lang::En {
        return Cow::Borrowed(reason);
    }
    let fixed = match reason {
        "binary file" => Some("二进制文件"),
        "no text layer" => Some("没有文字层（扫描图像）"),
        "symbolic link not followed (use --follow)" => Some("符号链接，未跟随（需要时加 --follow）"),
        "not a regular file (FIFO, socket or device)" => Some("不是普通文件（管道、套接字或设备）"),
        _ => None,
    };
    if let Some(zh) = fixed {
        return Cow::Borrowed(zh);
    }
    if let Some(why) = reason
        .strip_prefix("suspected ID image (")
        .and_then(|rest| rest.strip_suffix("): not read"))
    {
        return Cow::Owned(format!("疑似证件照片（{}）：未读取", image_reason(lang, why)));
    }
    if let Some(what) = reason.strip_suffix(": format not read yet") {
        let what = match what {
            "archive" => "压缩包",
            "database file" => "数据库文件",
            "document" => "文档",
            "OLE compound document" => "OLE 复合文档",
            _ => return Cow::Borrowed(reason),
        };
        return Cow::Owned(format!("{what}：暂不支持读取此格式"));
    }
    if let Some(bytes) = reason
        .strip_prefix("larger than --max-filesize (")
        .and_then(|rest| rest.strip_suffix(" bytes)"))
        .and_then(|n| n.parse::<u64>().ok())
    {
        return Cow::Owned(format!("超过 --max-filesize 上限（{} 字节）", count(bytes)));
    }
    Cow::Borrowed(reason)
}

/// What a suspected ID image shows.
pub fn image_kind(lang: Lang, kind: crate::inventory::ImageKind) -> &'static str {
    use crate::inventory::ImageKind;
    match kind {
        ImageKind::IdCard => pick(lang, "身份证", "ID card"),
        ImageKind::Passport => pick(lang, "护照", "passport"),
        ImageKind::BankCard => pick(lang, "银行卡", "bank card"),
        ImageKind::HandheldId => pick(lang, "手持身份证", "hand-held ID"),
    }
}

/// Why an image is suspected (`name contains 身份证, folder name contains 正面`), in `lang`.
pub fn image_reason(lang: Lang, reason: &str) -> Cow<'_, str> {
    if lang == Lang::En {
        return Cow::Borrowed(reason);
    }
    let parts: Vec<String> = reason
        .split(", ")
        .map(|part| {
            if let Some(word) = part.strip_prefix("folder name contains ") {
                format!("文件夹名含“{word}”")
            } else if let Some(word) = part.strip_prefix("name contains ") {
                format!("文件名含“{word}”")
            } else {
                part.to_string()
            }
        })
        .collect();
    Cow::Owned(parts.join("，"))
}

/// Which part of a path a name finding is in: the file's name, or a folder at a depth.
pub fn path_part(lang: Lang, component: crate::inventory::PathComponent, depth: Option<u64>) -> String {
    use crate::inventory::PathComponent;
    match (component, lang) {
        (PathComponent::FileName, Lang::Zh) => "文件名".into(),
        (PathComponent::FileName, Lang::En) => "file name".into(),
        (PathComponent::Directory, Lang::Zh) => format!("文件夹名（第 {} 层）", depth.unwrap_or(0)),
        (PathComponent::Directory, Lang::En) => format!("folder name (depth {})", depth.unwrap_or(0)),
    }
}

/// Why a column with lost digits matters, in one sentence (the CSV's note).
pub fn precision_lost_note(lang: Lang) -> &'static str {
    pick(
        lang,
        "Excel 已把身份证号或银行卡号存成科学计数法（如 1.10105E+17），第 15 位以后的数字已丢失",
        "Excel turned ID or card numbers into floats (1.10105E+17): the digits past the 15th are lost",
    )
}

/// Why a file with children's IDs matters, in one sentence (the CSV's note).
pub fn minors_note(lang: Lang) -> &'static str {
    pick(
        lang,
        "含不满十四周岁未成年人的身份证号：属于敏感个人信息，处理须取得监护人同意（《个人信息保护法》第二十八条、第三十一条）",
        "resident IDs of children under 14: sensitive personal information, processing needs a guardian's consent (PIPL Art. 28, 31)",
    )
}

/// An action kind from its inventory key (`retention_overdue`...); an unknown one as it is.
pub fn action_kind_key(lang: Lang, key: &str) -> Cow<'_, str> {
    match ActionKind::ALL.iter().find(|k| k.as_str() == key) {
        Some(&kind) => Cow::Borrowed(action_kind(lang, kind)),
        None => Cow::Borrowed(key),
    }
}

/// "Showing the first N rows": the note under a table cut to `shown` of `total` rows.
pub fn rows_left_out(lang: Lang, shown: usize, total: usize) -> String {
    let (shown_text, rest) = (count(shown as u64), count(total.saturating_sub(shown) as u64));
    match lang {
        Lang::Zh => format!("仅显示前 {shown_text} 行，另有 {rest} 行未显示；CSV 报告（--format csv）列出全部内容。"),
        Lang::En => format!(
            "Showing the first {shown_text} rows; {rest} more are not shown. The CSV report (--format csv) lists them all."
        ),
    }
}

/// The last row of a workbook sheet cut at Excel's row limit: how many rows did not fit.
pub fn sheet_rows_left_out(lang: Lang, shown: usize, total: usize) -> String {
    let (shown_text, rest) = (count(shown as u64), count(total.saturating_sub(shown) as u64));
    match lang {
        Lang::Zh => format!(
            "Excel 工作表最多 1,048,576 行：仅列出前 {shown_text} 行，另有 {rest} 行未列出；CSV 报告（--format csv）列出全部内容。"
        ),
        Lang::En => format!(
            "An Excel sheet holds at most 1,048,576 rows: the first {shown_text} are listed, {rest} more are not. The CSV report (--format csv) lists them all."
        ),
    }
}

/// Category names joined as a person lists them (身份证号、手机号 / Resident ID, Phone).
pub fn category_list<'s>(lang: Lang, categories: impl IntoIterator<Item = &'s str>) -> String {
    let names: Vec<Cow<'_, str>> = categories.into_iter().map(|c| category(lang, c)).collect();
    names.join(pick(lang, "、", ", "))
}

/// Why an action is listed, as one sentence ("data is 1,200 days old (limit 1,095)").
/// Evidence fields the kind does not use, or that are missing, are left out.
pub fn evidence(lang: Lang, zone: &Zone, action: &Action) -> String {
    let e = &action.evidence;
    let mut parts: Vec<String> = Vec::new();
    match action.kind {
        ActionKind::RetentionOverdue => {
            if let Some(age) = e.age_days {
                parts.push(match (lang, e.max_age_days) {
                    (Lang::Zh, Some(max)) => {
                        format!("数据已保存 {} 天（期限 {} 天）", count(age), count(max))
                    }
                    (Lang::Zh, None) => format!("数据已保存 {} 天", count(age)),
                    (Lang::En, Some(max)) => {
                        format!("data is {} days old (limit {})", count(age), count(max))
                    }
                    (Lang::En, None) => format!("data is {} days old", count(age)),
                });
            }
            if let Some(date) = &e.newest_date {
                parts.push(pick_fmt(
                    lang,
                    "文件内最新日期",
                    "newest date inside",
                    date_only(date),
                ));
            } else if let Some(date) = &e.modified {
                parts.push(pick_fmt(
                    lang,
                    "文件修改时间",
                    "file modified",
                    &local_date(zone, date),
                ));
            }
        }
        ActionKind::ForbiddenLocation => {
            let what = if e.categories.is_empty() {
                pick(lang, "个人信息", "personal data").to_string()
            } else {
                category_list(lang, e.categories.iter().map(String::as_str))
            };
            parts.push(match lang {
                Lang::Zh => format!("此位置不允许存放{what}"),
                Lang::En => format!("{what} not allowed here"),
            });
            if let Some(glob) = &e.forbidden_in {
                parts.push(pick_fmt(lang, "禁止范围", "forbidden in", glob));
            }
            if !e.allowed_in.is_empty() {
                let globs = e.allowed_in.join(pick(lang, "、", ", "));
                parts.push(pick_fmt(lang, "仅允许存放于", "allowed only in", &globs));
            }
        }
        ActionKind::MaskColumn => {
            if let Some(unmasked) = e.unmasked {
                parts.push(match (lang, e.rows) {
                    (Lang::Zh, Some(rows)) => {
                        format!("{} 个值中有 {} 个未脱敏", count(rows), count(unmasked))
                    }
                    (Lang::Zh, None) => format!("{} 个值未脱敏", count(unmasked)),
                    (Lang::En, Some(rows)) => {
                        format!("{} of {} values are not masked", count(unmasked), count(rows))
                    }
                    (Lang::En, None) => format!("{} values are not masked", count(unmasked)),
                });
            }
            if let Some(masked) = e.masked.filter(|&m| m > 0) {
                parts.push(match lang {
                    Lang::Zh => format!("已脱敏 {} 个", count(masked)),
                    Lang::En => format!("{} already masked", count(masked)),
                });
            }
        }
        ActionKind::DuplicateCopy => {
            if let Some(original) = &e.copy_of {
                parts.push(match lang {
                    Lang::Zh => format!("是 {original} 的副本"),
                    Lang::En => format!("copy of {original}"),
                });
            }
            match (e.overlap, e.shared) {
                (Some(overlap), shared) => {
                    let shared = shared.map(count);
                    parts.push(match (lang, shared) {
                        (Lang::Zh, Some(n)) => format!("{} 的值相同（{n} 个）", percent(overlap)),
                        (Lang::Zh, None) => format!("{} 的值相同", percent(overlap)),
                        (Lang::En, Some(n)) => format!("{} of values shared ({n})", percent(overlap)),
                        (Lang::En, None) => format!("{} of values shared", percent(overlap)),
                    });
                }
                (None, Some(shared)) => parts.push(match lang {
                    Lang::Zh => format!("有 {} 个相同的值", count(shared)),
                    Lang::En => format!("{} values shared", count(shared)),
                }),
                (None, None) => {}
            }
        }
    }
    if let Some(findings) = findings_note(lang, e, action.kind) {
        parts.push(findings);
    }
    if parts.is_empty() {
        return "—".into();
    }
    parts.join(pick(lang, "；", "; "))
}

/// "1,200 findings", for the kinds whose other evidence does not already count values.
fn findings_note(lang: Lang, e: &Evidence, kind: ActionKind) -> Option<String> {
    if matches!(kind, ActionKind::MaskColumn | ActionKind::DuplicateCopy) {
        return None;
    }
    let n = e.findings?;
    Some(match lang {
        Lang::Zh => format!("涉及 {} 条个人信息", count(n)),
        Lang::En => format!("{} findings", count(n)),
    })
}

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// "label value" in English, "label value" with no space after a Chinese label's colon.
fn pick_fmt(lang: Lang, zh: &str, en: &str, value: &str) -> String {
    match lang {
        Lang::Zh => format!("{zh}：{value}"),
        Lang::En => format!("{en} {value}"),
    }
}

/// `2024-03-01` from `2024-03-01T10:00:00Z`; anything else as it is.
pub fn date_only(timestamp: &str) -> &str {
    match timestamp.get(..10) {
        Some(date) if date.as_bytes().get(4) == Some(&b'-') => date,
        _ => timestamp,
    }
}

/// The time zone a report shows times in: the machine's own, or UTC when it cannot be
/// found (no `TZ`, no `/etc/localtime`, no time zone database), which every time then says.
#[derive(Debug, Clone)]
pub struct Zone {
    tz: jiff::tz::TimeZone,
    known: bool,
}

impl Zone {
    pub fn local() -> Zone {
        match jiff::tz::TimeZone::try_system() {
            Ok(tz) if !tz.is_unknown() => Zone { tz, known: true },
            _ => Zone::unknown(),
        }
    }

    /// UTC, marked as standing in for a local zone that could not be found.
    pub fn unknown() -> Zone {
        Zone {
            tz: jiff::tz::TimeZone::UTC,
            known: false,
        }
    }

    /// A fixed offset east of UTC (for tests: the reports must not depend on the machine's).
    #[cfg(test)]
    pub fn fixed(seconds: i32) -> Zone {
        Zone {
            tz: jiff::tz::TimeZone::fixed(jiff::tz::Offset::from_seconds(seconds).expect("an offset")),
            known: true,
        }
    }

    pub fn is_known(&self) -> bool {
        self.known
    }

    /// `UTC+08:00` (the offset in force at `at`, daylight saving included).
    fn offset(&self, at: jiff::Timestamp) -> String {
        let seconds = self.tz.to_offset(at).seconds();
        let sign = if seconds < 0 { '-' } else { '+' };
        let minutes = seconds.unsigned_abs() / 60;
        format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// An RFC 3339 time (pimap writes UTC) as a moment.
fn moment(text: &str) -> Option<jiff::Timestamp> {
    // A date alone is not a moment: it stays as written.
    if text.len() <= 10 {
        return None;
    }
    text.parse().ok()
}

/// `2024-03-01 18:00 (UTC+08:00)` from `2024-03-01T10:00:00Z`, in the report's zone (with
/// the zone unknown: `2024-03-01 10:00 (UTC, local time zone unknown)`); anything else as
/// it is.
pub fn timestamp<'t>(lang: Lang, zone: &Zone, text: &'t str) -> Cow<'t, str> {
    let Some(at) = moment(text) else {
        return Cow::Borrowed(text);
    };
    let t = zone.tz.to_datetime(at);
    let offset = if zone.known {
        zone.offset(at)
    } else {
        pick(lang, "UTC，本机时区未知", "UTC, local time zone unknown").to_string()
    };
    Cow::Owned(format!(
        "{:04}-{:02}-{:02} {:02}:{:02} ({offset})",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    ))
}

/// The day of a time in the report's zone (`2024-03-01`); a date alone, or anything else,
/// as it is.
pub fn local_date<'t>(zone: &Zone, text: &'t str) -> Cow<'t, str> {
    match moment(text) {
        Some(at) => {
            let d = zone.tz.to_datetime(at);
            Cow::Owned(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
        }
        None => Cow::Borrowed(date_only(text)),
    }
}

/// RFC 3339 in the report's zone (`2024-03-01T18:00:00+08:00`): what the CSV writes, still
/// machine-readable; anything else as it is.
pub fn rfc3339_local<'t>(zone: &Zone, text: &'t str) -> Cow<'t, str> {
    let Some(at) = moment(text) else {
        return Cow::Borrowed(text);
    };
    let t = zone.tz.to_datetime(at);
    let offset = zone.offset(at);
    Cow::Owned(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        offset.strip_prefix("UTC").unwrap_or(&offset)
    ))
}

/// A count with thousands separators: 1,234,567 (the grouping Chinese business documents
/// use too).
pub fn count(n: u64) -> String {
    crate::inventory::changes::thousands(n)
}

/// A difference with its sign: +1,200, −35, 0.
pub fn signed(n: i64) -> String {
    match n {
        0 => "0".into(),
        n if n > 0 => format!("+{}", count(n.unsigned_abs())),
        n => format!("−{}", count(n.unsigned_abs())),
    }
}

/// A ratio (0.973) as a percentage: 97.3%, 100%, 0%. Odd values (NaN, negative) show as —.
pub fn percent(ratio: f64) -> String {
    if !ratio.is_finite() || ratio < 0.0 {
        return "—".into();
    }
    let tenths = (ratio * 1000.0).round();
    if tenths >= 1e15 {
        return "—".into();
    }
    let tenths = tenths as u64;
    if tenths.is_multiple_of(10) {
        format!("{}%", count(tenths / 10))
    } else {
        format!("{}.{}%", count(tenths / 10), tenths % 10)
    }
}

/// Bytes in decimal units (what file managers show): 512 B, 1.2 KB, 52.4 MB, 3.1 GB.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_han(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_label_is_written_in_both_languages() {
        for &label in Label::ALL {
            let (zh, en) = (label.text(Lang::Zh), label.text(Lang::En));
            assert!(has_han(zh), "{label:?}: the Chinese text {zh:?} has no Chinese");
            assert!(
                !en.is_empty() && !has_han(en),
                "{label:?}: the English text {en:?}"
            );
            assert_ne!(zh, en, "{label:?}");
        }
    }

    #[test]
    fn named_values_are_written_in_both_languages() {
        let categories = crate::finding::Category::ALL.map(|c| c.as_str());
        for c in categories {
            assert!(has_han(&category(Lang::Zh, c)), "{c}");
            assert!(
                !has_han(&category(Lang::En, c)) && category(Lang::En, c) != c,
                "{c}"
            );
        }
        for kind in ActionKind::ALL {
            assert!(has_han(action_kind(Lang::Zh, kind)));
            assert!(!has_han(action_kind(Lang::En, kind)));
            assert_eq!(
                action_kind_key(Lang::Zh, kind.as_str()),
                action_kind(Lang::Zh, kind)
            );
        }
        for s in [Sensitivity::Sensitive, Sensitivity::General] {
            assert!(has_han(sensitivity(Lang::Zh, s)));
            assert!(!has_han(sensitivity(Lang::En, s)));
        }
        for l in [Severity::High, Severity::Medium, Severity::Low] {
            assert!(has_han(level(Lang::Zh, l)));
            assert_eq!(level_key(Lang::En, l.as_str()), level(Lang::En, l));
        }
        assert_eq!(category(Lang::Zh, "national_id"), "身份证号");
        assert_eq!(sensitivity(Lang::Zh, Sensitivity::Sensitive), "敏感个人信息");
        assert_eq!(
            action_kind(Lang::Zh, ActionKind::RetentionOverdue),
            "保存期限超期"
        );
        // Unknown keys from a newer inventory are shown as they are, not dropped.
        assert_eq!(category(Lang::Zh, "iban"), "iban");
        assert_eq!(action_kind_key(Lang::En, "new_kind"), "new_kind");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(u64::MAX), "18,446,744,073,709,551,615");
        assert_eq!(signed(1200), "+1,200");
        assert_eq!(signed(-35), "−35");
        assert_eq!(signed(i64::MIN), "−9,223,372,036,854,775,808");
    }

    #[test]
    fn percents_and_bytes() {
        assert_eq!(percent(0.973), "97.3%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(f64::NAN), "—");
        assert_eq!(percent(f64::INFINITY), "—");
        assert_eq!(percent(1e300), "—");
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1_234), "1.2 KB");
        assert_eq!(bytes(52_428_800), "52.4 MB");
        assert_eq!(bytes(999_999), "1.0 MB");
        assert_eq!(bytes(u64::MAX), "18446.7 PB");
    }

    #[test]
    fn dates() {
        assert_eq!(date_only("2024-03-01T10:00:00Z"), "2024-03-01");
        assert_eq!(date_only("2024-03-01"), "2024-03-01");
        assert_eq!(date_only("soon"), "soon");
        let beijing = Zone::fixed(8 * 3600);
        for lang in [Lang::Zh, Lang::En] {
            assert_eq!(
                timestamp(lang, &beijing, "2026-12-06T12:56:30Z"),
                "2026-12-06 20:56 (UTC+08:00)"
            );
            assert_eq!(timestamp(lang, &beijing, "2024-03-01"), "2024-03-01");
            assert_eq!(timestamp(lang, &beijing, "今天早上十点钟"), "今天早上十点钟");
        }
        // West of Greenwich, half hours, the day before.
        assert_eq!(
            timestamp(Lang::En, &Zone::fixed(-(3 * 3600 + 1800)), "2024-03-01T02:00:00Z"),
            "2024-02-29 22:30 (UTC-03:30)"
        );
        assert_eq!(
            timestamp(Lang::En, &utc(), "2024-03-01T10:00:00Z"),
            "2024-03-01 10:00 (UTC+00:00)"
        );
        // No zone found: UTC, and the time says so.
        let unknown = Zone::unknown();
        assert!(!unknown.is_known());
        assert_eq!(
            timestamp(Lang::En, &unknown, "2024-03-01T10:00:00Z"),
            "2024-03-01 10:00 (UTC, local time zone unknown)"
        );
        assert_eq!(
            timestamp(Lang::Zh, &unknown, "2024-03-01T10:00:00Z"),
            "2024-03-01 10:00 (UTC，本机时区未知)"
        );
        assert_eq!(local_date(&beijing, "2024-03-01T20:00:00Z"), "2024-03-02");
        assert_eq!(local_date(&beijing, "2024-03-01"), "2024-03-01");
        assert_eq!(
            rfc3339_local(&beijing, "2024-03-01T20:00:05Z"),
            "2024-03-02T04:00:05+08:00"
        );
        assert_eq!(rfc3339_local(&beijing, "n/a"), "n/a");
    }

    fn utc() -> Zone {
        Zone::fixed(0)
    }

    #[test]
    fn pimap_s_own_words_in_chinese() {
        assert_eq!(detector(Lang::Zh, "cn_mobile"), "手机号码（cn_mobile）");
        assert_eq!(detector(Lang::En, "cn_mobile"), "cn_mobile");
        assert_eq!(detector(Lang::Zh, "my_custom"), "my_custom");
        // Every built-in detector has a Chinese name.
        assert!(crate::detect::builtin_specs().len() >= 9);
        for spec in crate::detect::builtin_specs() {
            assert!(has_han(&detector(Lang::Zh, &spec.id)), "{}", spec.id);
        }
        for (reason, zh) in [
            ("binary file", "二进制文件"),
            ("no text layer", "没有文字层（扫描图像）"),
            ("document: format not read yet", "文档：暂不支持读取此格式"),
            ("archive: format not read yet", "压缩包：暂不支持读取此格式"),
            (
                "larger than --max-filesize (4096 bytes)",
                "超过 --max-filesize 上限（4,096 字节）",
            ),
            (
                "symbolic link not followed (use --follow)",
                "符号链接，未跟随（需要时加 --follow）",
            ),
            (
                "not a regular file (FIFO, socket or device)",
                "不是普通文件（管道、套接字或设备）",
            ),
        ] {
            assert_eq!(skip_reason(Lang::Zh, reason), zh);
            assert_eq!(skip_reason(Lang::En, reason), reason);
        }
        assert_eq!(skip_reason(Lang::Zh, "something new"), "something new");
        let builtin = crate::inventory::policy::Policy::builtin().info().rules;
        assert_eq!(rule(Lang::Zh, &builtin[0]), "敏感信息列须脱敏（内置策略）");
        assert_eq!(rule(Lang::En, &builtin[0]), builtin[0]);
        assert_eq!(
            rule(Lang::Zh, "duplicate copies"),
            "重复副本（[duplicates] 设置）"
        );
        assert_eq!(rule(Lang::Zh, "订单保存三年"), "订单保存三年");
        // The retention evidence dates a file by its local day.
        let old = action(
            ActionKind::RetentionOverdue,
            Evidence {
                age_days: Some(2000),
                modified: Some("2020-05-31T20:00:00Z".into()),
                ..Evidence::default()
            },
        );
        assert_eq!(
            evidence(Lang::Zh, &Zone::fixed(8 * 3600), &old),
            "数据已保存 2,000 天；文件修改时间：2020-06-01"
        );
    }

    fn action(kind: ActionKind, evidence: Evidence) -> Action {
        Action {
            store: None,
            kind,
            severity: Severity::High,
            path: "a.csv".into(),
            table: None,
            column: None,
            detector: None,
            rule: "r".into(),
            evidence,
        }
    }

    #[test]
    fn evidence_sentences() {
        let retention = action(
            ActionKind::RetentionOverdue,
            Evidence {
                age_days: Some(1200),
                max_age_days: Some(1095),
                newest_date: Some("2023-08-17".into()),
                findings: Some(5000),
                ..Evidence::default()
            },
        );
        assert_eq!(
            evidence(Lang::En, &utc(), &retention),
            "data is 1,200 days old (limit 1,095); newest date inside 2023-08-17; 5,000 findings"
        );
        assert_eq!(
            evidence(Lang::Zh, &utc(), &retention),
            "数据已保存 1,200 天（期限 1,095 天）；文件内最新日期：2023-08-17；涉及 5,000 条个人信息"
        );
        let copy = action(
            ActionKind::DuplicateCopy,
            Evidence {
                copy_of: Some("exports/orders.csv".into()),
                shared: Some(1940),
                overlap: Some(0.97),
                ..Evidence::default()
            },
        );
        assert_eq!(
            evidence(Lang::En, &utc(), &copy),
            "copy of exports/orders.csv; 97% of values shared (1,940)"
        );
        assert_eq!(
            evidence(Lang::Zh, &utc(), &copy),
            "是 exports/orders.csv 的副本；97% 的值相同（1,940 个）"
        );
        let mask = action(
            ActionKind::MaskColumn,
            Evidence {
                unmasked: Some(90),
                masked: Some(10),
                rows: Some(100),
                ..Evidence::default()
            },
        );
        assert_eq!(
            evidence(Lang::En, &utc(), &mask),
            "90 of 100 values are not masked; 10 already masked"
        );
        let forbidden = action(
            ActionKind::ForbiddenLocation,
            Evidence {
                categories: vec!["national_id".into(), "bank_card".into()],
                allowed_in: vec!["finance/**".into()],
                ..Evidence::default()
            },
        );
        assert_eq!(
            evidence(Lang::Zh, &utc(), &forbidden),
            "此位置不允许存放身份证号、银行卡号；仅允许存放于：finance/**"
        );
        assert_eq!(
            evidence(Lang::En, &utc(), &forbidden),
            "Resident ID, Bank card not allowed here; allowed only in finance/**"
        );
        // An action with no evidence at all still gets a cell.
        assert_eq!(
            evidence(
                Lang::En,
                &utc(),
                &action(ActionKind::MaskColumn, Evidence::default())
            ),
            "—"
        );
    }
}
