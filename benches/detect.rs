//! Micro-benchmarks of the detection engine: MB/s of `DetectorSet::scan` on generated text.
//!
//!     cargo bench --bench detect                 # all inputs, ~1 min
//!     cargo bench --bench detect -- chat         # one input (criterion name filter)
//!
//! Inputs are generated in-process with a fixed-seed PRNG (no `rand`), so every run scans
//! byte-identical text. Before timing, each input is scanned once and its hit counts are
//! printed to stderr next to what was planted: a change that makes the engine fast by
//! finding nothing shows up there, not only in the MB/s column.
//!
//! Inputs (see benches/README.md for how to read the figures):
//!   chat         Chinese customer-service chat, ~1 value per 300 bytes, values in every
//!                written form (138-1234-5678, +86, cards in groups of 4, lower-case x).
//!   java_log     application log lines full of look-alikes (18-19 digit order ids, 13-digit
//!                epoch ms, 24-digit pay numbers, 32-hex trace ids), PII on ~1 line in 8.
//!   csv_cells    one short cell per call (the CSV path), column header 手机号 as the cue.
//!   prose        Chinese prose with no digits and no `@`: the skip loop alone.
//!   only_ids / only_mobiles / only_cards / only_emails
//!                one detector's values, one per line: the per-detector validation cost.
//!   split/plain, split/quoted
//!                not detection: the summary pass that plans where a big CSV is cut into
//!                parts (`source::split::summarize`), on 8 MiB of unquoted rows and of
//!                rows quoting every field (a quote every few bytes, its densest input).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pimap::detect::context::Cue;
use pimap::detect::{DetectorSet, Hit, Scratch};
use std::hint::black_box;
use std::time::Duration;

/// Size of each free-text input. Big enough to defeat per-call overhead, small enough that
/// a criterion sample takes milliseconds (the scanner's own text chunks are up to 8 MiB).
const TEXT_BYTES: usize = 1 << 20;

/// Cells in the CSV-cell input.
const CELLS: usize = 50_000;

// ---------------------------------------------------------------------------------------
// Deterministic generation
// ---------------------------------------------------------------------------------------

/// SplitMix64: tiny, fixed-seed, good enough to vary text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: u64, hi_inclusive: u64) -> u64 {
        lo + self.below(hi_inclusive - lo + 1)
    }
    fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len() as u64) as usize]
    }
    /// True with probability p/100.
    fn pct(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
    fn digits(&mut self, n: usize, out: &mut String) {
        for _ in 0..n {
            out.push((b'0' + self.below(10) as u8) as char);
        }
    }
}

/// What a generator planted, per kind.
#[derive(Default, Debug, Clone, Copy)]
struct Planted {
    ids: usize,
    mobiles: usize,
    cards: usize,
    emails: usize,
}

/// Real GB/T 2260 district codes (the same kind gen-corpus uses).
const REGIONS: &[&str] = &[
    "110101", "110105", "110108", "120101", "310104", "310115", "500103", "130102", "140105", "210102",
    "220102", "230103", "320102", "320505", "330106", "330108", "340104", "350203", "360102", "370102",
    "370202", "410105", "420106", "430104", "440103", "440305", "440306", "450103", "510104", "510107",
    "520102", "530102", "610113", "620102", "650102",
];

/// Allocated mobile segments.
const SEGMENTS: &[&str] = &[
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159",
    "166", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189", "191", "198", "199",
];

/// UnionPay BINs of big Chinese banks, plus Visa/Mastercard prefixes.
const BINS: &[&str] = &[
    "622202", "622848", "621700", "621661", "622588", "622262", "622908", "621799", "622568", "436742",
    "524091",
];

fn resident_id(rng: &mut Rng) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let mut s = String::with_capacity(18);
    s.push_str(rng.pick(REGIONS));
    let (y, m) = (rng.range(1950, 2006), rng.range(1, 12));
    let d = rng.range(1, 28);
    s.push_str(&format!("{y:04}{m:02}{d:02}"));
    rng.digits(3, &mut s);
    let sum: u32 = s.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    s.push(CHECK[(sum % 11) as usize] as char);
    s
}

fn mobile(rng: &mut Rng) -> String {
    let mut s = String::with_capacity(11);
    s.push_str(rng.pick(SEGMENTS));
    rng.digits(8, &mut s);
    s
}

fn luhn_complete(body: &mut String) {
    // Check digit for `body` (the digit appended goes to the rightmost, undoubled position).
    let mut sum = 0;
    for (i, b) in body.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    body.push((b'0' + ((10 - sum % 10) % 10) as u8) as char);
}

fn card(rng: &mut Rng) -> String {
    let bin = rng.pick(BINS);
    let len = if bin.starts_with('6') && rng.pct(50) {
        19
    } else {
        16
    };
    let mut s = String::with_capacity(len);
    s.push_str(bin);
    rng.digits(len - 1 - bin.len(), &mut s);
    luhn_complete(&mut s);
    s
}

fn email(rng: &mut Rng) -> String {
    const NAMES: &[&str] = &[
        "zhangwei", "li.na", "wangfang", "liu_yang", "chenjing", "yang.min", "huanglei", "zhao_li",
    ];
    const DOMAINS: &[&str] = &[
        "qq.com",
        "163.com",
        "126.com",
        "sina.com",
        "foxmail.com",
        "aliyun.com",
        "outlook.com",
        "example.com.cn",
    ];
    let mut s = String::new();
    match rng.below(3) {
        0 => {
            let n = rng.range(6, 10) as usize;
            rng.digits(n, &mut s) // QQ number
        }
        1 => s.push_str(&mobile(rng)),
        _ => {
            s.push_str(rng.pick(NAMES));
            let n = rng.range(0, 4) as usize;
            rng.digits(n, &mut s);
        }
    }
    s.push('@');
    s.push_str(rng.pick(DOMAINS));
    if s.starts_with('0') {
        s.replace_range(0..1, "9");
    }
    s
}

/// `138-1234-5678`, `138 1234 5678`, `+86 138…`, or plain.
fn written_mobile(rng: &mut Rng, m: &str) -> String {
    match rng.below(5) {
        0 => format!("{}-{}-{}", &m[..3], &m[3..7], &m[7..]),
        1 => format!("{} {} {}", &m[..3], &m[3..7], &m[7..]),
        2 => format!("+86 {m}"),
        _ => m.to_string(),
    }
}

fn grouped4(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + v.len() / 4);
    for (i, c) in v.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

const SMALL_TALK: &[&str] = &[
    "您好，请问有什么可以帮您？",
    "我昨天下的单到现在还没发货，能帮我查一下吗？",
    "好的，麻烦您稍等，我这边帮您查询一下物流信息。",
    "亲，这款商品目前库存紧张，预计三天内发出哦。",
    "收到的衣服尺码偏小，想换大一号的。",
    "可以的，您在订单详情页申请换货就行，运费我们承担。",
    "谢谢，你们服务态度真好！",
    "不客气，祝您生活愉快，有问题随时联系我们～",
    "快递一直显示在派送中，但是我没收到。",
    "非常抱歉给您带来不便，我马上联系快递站点核实。",
    "这个优惠券为什么用不了？",
    "这张券需要满减门槛，您的订单金额还差一点点。",
    "包装破损了，里面的杯子也碎了。",
    "请您拍照上传一下破损的图片，我们给您补发。",
    "发票可以开公司抬头吗？",
    "可以开增值税普通发票，请提供公司名称和税号。",
    "退款什么时候能到账？",
    "原路退回一般一到三个工作日到账，请耐心等待。",
];

const MOBILE_LEADS: &[&str] = &[
    "我的手机号是",
    "电话",
    "联系方式：",
    "打这个号码",
    "收货人电话 ",
    "换个号码吧，",
];
const ID_LEADS: &[&str] = &["身份证号", "实名认证的身份证：", "我的证件号码是", "身份证 "];
const CARD_LEADS: &[&str] = &["退款到这张卡：", "银行卡号 ", "工商银行卡号", "卡号是"];
const EMAIL_LEADS: &[&str] = &["发票发我邮箱 ", "邮箱：", "电子发票发到 ", "我的邮箱是"];
const NEGATIVES: &[&str] = &[
    "尾号1234的卡",
    "手机号138****5678",
    "身份证110105********002X",
    "订单号3508387573846167959",
    "数量2件",
];

/// (a) Chinese chat transcript, about one value per 300 bytes.
fn chat(rng: &mut Rng) -> (String, Planted) {
    let mut s = String::with_capacity(TEXT_BYTES + 512);
    let mut p = Planted::default();
    let mut next_value = s.len() + rng.range(150, 450) as usize;
    while s.len() < TEXT_BYTES {
        let who = if rng.pct(50) { "客服小美" } else { "顾客" };
        s.push_str(&format!("{who} {:02}:{:02}\n", rng.below(24), rng.below(60)));
        s.push_str(rng.pick(SMALL_TALK));
        if rng.pct(10) {
            s.push_str(rng.pick(NEGATIVES));
            s.push('。');
        }
        if s.len() >= next_value {
            match rng.below(10) {
                0..=3 => {
                    s.push_str(rng.pick(MOBILE_LEADS));
                    let m = mobile(rng);
                    s.push_str(&written_mobile(rng, &m));
                    p.mobiles += 1;
                }
                4..=5 => {
                    s.push_str(rng.pick(ID_LEADS));
                    let id = resident_id(rng);
                    s.push_str(&if rng.pct(50) { id.to_lowercase() } else { id });
                    p.ids += 1;
                }
                6..=7 => {
                    s.push_str(rng.pick(CARD_LEADS));
                    let c = card(rng);
                    s.push_str(&if rng.pct(60) { grouped4(&c) } else { c });
                    p.cards += 1;
                }
                _ => {
                    s.push_str(rng.pick(EMAIL_LEADS));
                    s.push_str(&email(rng));
                    p.emails += 1;
                }
            }
            s.push('，');
            s.push_str(rng.pick(&["谢谢。", "麻烦尽快处理。", "辛苦了！", "对的。"]));
            next_value = s.len() + rng.range(150, 450) as usize;
        }
        s.push('\n');
    }
    (s, p)
}

fn hex(rng: &mut Rng, n: usize, out: &mut String) {
    for _ in 0..n {
        out.push(b"0123456789abcdef"[rng.below(16) as usize] as char);
    }
}

/// (b) Java application log: every line has look-alike numbers, PII on ~1 line in 8.
fn java_log(rng: &mut Rng) -> (String, Planted) {
    const CLASSES: &[&str] = &[
        "c.s.order.service.OrderServiceImpl",
        "c.s.pay.PayCallbackController",
        "c.s.stock.SkuStockManager",
        "c.s.user.LoginFilter",
        "c.s.logistics.WaybillSyncJob",
        "c.s.gateway.AccessLogFilter",
    ];
    const LEVELS: &[&str] = &["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"];
    let mut s = String::with_capacity(TEXT_BYTES + 512);
    let mut p = Planted::default();
    let mut epoch_ms: u64 = 1_715_826_225_123;
    while s.len() < TEXT_BYTES {
        epoch_ms += rng.range(1, 900);
        let secs = (epoch_ms / 1000) % 86_400;
        s.push_str(&format!(
            "2024-05-16 {:02}:{:02}:{:02}.{:03} {} [http-nio-8080-exec-{}] {} - traceId=",
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            epoch_ms % 1000,
            rng.pick(LEVELS),
            rng.range(1, 200),
            rng.pick(CLASSES)
        ));
        hex(rng, 32, &mut s);
        s.push(' ');
        if rng.pct(12) {
            match rng.below(4) {
                0 => {
                    s.push_str("send sms tpl=SMS_20240516 mobile=");
                    s.push_str(&mobile(rng));
                    p.mobiles += 1;
                }
                1 => {
                    s.push_str("kyc verify realName=张** idCard=");
                    s.push_str(&resident_id(rng));
                    s.push_str(" result=PASS");
                    p.ids += 1;
                }
                2 => {
                    s.push_str("bind card bankCardNo=");
                    s.push_str(&card(rng));
                    s.push_str(" bank=ICBC");
                    p.cards += 1;
                }
                _ => {
                    s.push_str("login ok account=");
                    s.push_str(&email(rng));
                    p.emails += 1;
                }
            }
        } else {
            match rng.below(4) {
                0 => {
                    s.push_str("create order orderId=");
                    s.push_str(&format!(
                        "{}",
                        rng.range(1_000_000_000_000_000_000, 9_999_999_999_999_999_999)
                    ));
                    s.push_str(" skuId=");
                    rng.digits(9, &mut s);
                    s.push_str(&format!(" amount={}.{:02}", rng.range(1, 9999), rng.below(100)));
                }
                1 => {
                    s.push_str("pay callback payNo=");
                    rng.digits(24, &mut s);
                    s.push_str(" bankSerial=");
                    rng.digits(20, &mut s);
                    s.push_str(&format!(" ts={epoch_ms}"));
                }
                2 => {
                    s.push_str(&format!(
                        "request uri=/api/v2/order/{} ip=10.{}.{}.{} cost={}ms",
                        rng.range(100_000_000_000_000_000, 999_999_999_999_999_999),
                        rng.below(256),
                        rng.below(256),
                        rng.below(256),
                        rng.range(1, 3000)
                    ));
                }
                _ => {
                    s.push_str("stock deduct sku=");
                    rng.digits(13, &mut s);
                    s.push_str(&format!(
                        " qty={} warehouse=WH{:03} version=3.2.{}",
                        rng.range(1, 9),
                        rng.below(100),
                        rng.below(20)
                    ));
                }
            }
        }
        s.push('\n');
    }
    (s, p)
}

/// (c) CSV cells of a 手机号 column: one short value per call, some written with
/// separators or +86, some look-alikes (unallocated segment, masked).
fn csv_cells(rng: &mut Rng) -> (Vec<String>, Planted) {
    let mut cells = Vec::with_capacity(CELLS);
    let mut p = Planted::default();
    for _ in 0..CELLS {
        let m = mobile(rng);
        cells.push(match rng.below(20) {
            0 => format!("12{}", &m[2..]),              // no such segment
            1 => format!("{}****{}", &m[..3], &m[7..]), // masked
            2 | 3 => {
                p.mobiles += 1;
                written_mobile(rng, &m)
            }
            _ => {
                p.mobiles += 1;
                m
            }
        });
    }
    (cells, p)
}

/// (d) Chinese prose without a digit or `@` (full-width punctuation included).
fn prose(rng: &mut Rng) -> (String, Planted) {
    const SENTENCES: &[&str] = &[
        "春天来了，小区门口的樱花开得正盛，路过的人都忍不住停下来拍照。",
        "我们始终坚持以客户为中心，不断提升产品质量和服务水平。",
        "本店所有商品均为正品，支持七天无理由退换货，请放心购买！",
        "物流高峰期间配送可能会有延迟，敬请谅解。",
        "这家餐厅的招牌菜是红烧肉和清蒸鲈鱼，味道非常地道。",
        "会议纪要：各部门需在月底前提交下季度的工作计划与预算。",
        "读书使人充实，讨论使人机智，笔记使人准确。",
        "请注意保管好个人信息，谨防电信诈骗；客服不会索要验证码。",
        "“双十一”活动期间，全场满减叠加优惠券，力度空前。",
        "他沿着江边慢慢走着，晚风吹过，城市的灯光一盏盏亮了起来。",
    ];
    let mut s = String::with_capacity(TEXT_BYTES + 512);
    while s.len() < TEXT_BYTES {
        s.push_str(rng.pick(SENTENCES));
        if rng.pct(15) {
            s.push('\n');
        }
    }
    (s, Planted::default())
}

/// (e) One detector's values only, one per line.
fn only(rng: &mut Rng, kind: &str) -> (String, Planted) {
    let mut s = String::with_capacity(TEXT_BYTES + 64);
    let mut p = Planted::default();
    while s.len() < TEXT_BYTES {
        match kind {
            "ids" => {
                let id = resident_id(rng);
                s.push_str(&match rng.below(10) {
                    0 => format!("{} {} {}", &id[..6], &id[6..14], &id[14..]),
                    1 => id.to_lowercase(),
                    _ => id,
                });
                p.ids += 1;
            }
            "mobiles" => {
                let m = mobile(rng);
                s.push_str(&written_mobile(rng, &m));
                p.mobiles += 1;
            }
            "cards" => {
                let c = card(rng);
                s.push_str(&if rng.pct(50) { grouped4(&c) } else { c });
                p.cards += 1;
            }
            _ => {
                s.push_str(&email(rng));
                p.emails += 1;
            }
        }
        s.push('\n');
    }
    (s, p)
}

// ---------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------

/// Scans `texts` once (each call as the scanner does it: cleared hits and counters) and
/// returns per-detector (hits, hits >= 0.5, rejected).
fn count(set: &DetectorSet, texts: &[&str], cue: Option<Cue>) -> Vec<(usize, usize, u32)> {
    let n = set.detectors().len();
    let mut out = vec![(0, 0, 0); n];
    let mut scratch = Scratch::default();
    let mut hits: Vec<Hit> = Vec::new();
    let mut rejected = vec![0u32; n];
    for t in texts {
        hits.clear();
        rejected.iter_mut().for_each(|r| *r = 0);
        set.scan(t, cue, &mut scratch, &mut hits, &mut rejected);
        for h in &hits {
            out[h.detector].0 += 1;
            if h.confidence >= pimap::DEFAULT_MIN_CONFIDENCE {
                out[h.detector].1 += 1;
            }
        }
        for (d, r) in rejected.iter().enumerate() {
            out[d].2 += r;
        }
    }
    out
}

fn report(set: &DetectorSet, name: &str, bytes: usize, planted: Planted, counts: &[(usize, usize, u32)]) {
    let mut found = String::new();
    for (det, (all, reported, rej)) in set.detectors().iter().zip(counts) {
        if *all > 0 || *rej > 0 {
            found.push_str(&format!(" {}={}({}>=0.5,{}rej)", det.id, all, reported, rej));
        }
    }
    eprintln!(
        "[detect] {name}: {bytes} B; planted id={} mobile={} card={} email={}; hits:{}",
        planted.ids,
        planted.mobiles,
        planted.cards,
        planted.emails,
        if found.is_empty() { " none".into() } else { found }
    );
}

fn bench_text(c: &mut Criterion, set: &DetectorSet, name: &str, (text, planted): (String, Planted)) {
    report(set, name, text.len(), planted, &count(set, &[&text], None));
    let mut group = c.benchmark_group("detect");
    group.throughput(Throughput::Bytes(text.len() as u64));
    let mut scratch = Scratch::default();
    let mut hits: Vec<Hit> = Vec::with_capacity(8192);
    let mut rejected = vec![0u32; set.detectors().len()];
    group.bench_function(name, |b| {
        b.iter(|| {
            hits.clear();
            rejected.iter_mut().for_each(|r| *r = 0);
            set.scan(black_box(&text), None, &mut scratch, &mut hits, &mut rejected);
            black_box(hits.len())
        })
    });
    group.finish();
}

/// Size of each input of the split planner's summary pass.
const SPLIT_BYTES: usize = 8 << 20;

/// CSV rows of orders; `quoted` quotes every field, with multi-line and doubled quotes.
fn split_csv(rng: &mut Rng, quoted: bool) -> Vec<u8> {
    let mut out = String::with_capacity(SPLIT_BYTES + 256);
    let mut n = 0u64;
    while out.len() < SPLIT_BYTES {
        n += 1;
        let mut phone = format!("1{}", rng.range(3, 9));
        rng.digits(9, &mut phone);
        let name = rng.pick(&["张三", "李四", "王五", "赵六"]);
        if quoted {
            out.push_str(&format!(
                "\"{n}\",\"{name}\",\"{phone}\",\"北京市朝阳区\r\n建国路 {n} 号\",\"\"\"VIP\"\"\"\r\n"
            ));
        } else {
            out.push_str(&format!("{n},{name},{phone},北京市朝阳区建国路 {n} 号,VIP\n"));
        }
    }
    out.into_bytes()
}

fn bench_split(c: &mut Criterion) {
    let mut group = c.benchmark_group("split");
    group.throughput(Throughput::Bytes(SPLIT_BYTES as u64));
    for (name, quoted) in [("plain", false), ("quoted", true)] {
        let bytes = split_csv(&mut Rng(9), quoted);
        let piece = pimap::source::split::summarize(b"\n", &bytes, Some(b','));
        assert!(
            !piece.from[0].stray_quote && piece.from[0].rows > 0,
            "{name}: {piece:?}"
        );
        group.bench_function(name, |b| {
            b.iter(|| {
                black_box(pimap::source::split::summarize(
                    b"\n",
                    black_box(&bytes),
                    Some(b','),
                ))
                .newlines
            })
        });
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    let set = DetectorSet::builtin();

    bench_text(c, &set, "chat", chat(&mut Rng(1)));
    bench_text(c, &set, "java_log", java_log(&mut Rng(2)));

    // (c) One call per cell, as the CSV path does, with the column's header cue.
    let (cells, planted) = csv_cells(&mut Rng(3));
    let cue = set.header_cue("手机号");
    assert!(cue.is_some(), "手机号 should be a context word");
    let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
    let bytes: usize = cells.iter().map(String::len).sum();
    report(&set, "csv_cells", bytes, planted, &count(&set, &refs, cue));
    {
        let mut group = c.benchmark_group("detect");
        group.throughput(Throughput::Bytes(bytes as u64));
        let mut scratch = Scratch::default();
        let mut hits: Vec<Hit> = Vec::with_capacity(16);
        let mut rejected = vec![0u32; set.detectors().len()];
        group.bench_function("csv_cells", |b| {
            b.iter(|| {
                let mut total = 0;
                for cell in &refs {
                    hits.clear();
                    rejected.iter_mut().for_each(|r| *r = 0);
                    set.scan(black_box(cell), cue, &mut scratch, &mut hits, &mut rejected);
                    total += hits.len();
                }
                black_box(total)
            })
        });
        group.finish();
    }

    bench_text(c, &set, "prose", prose(&mut Rng(4)));
    bench_text(c, &set, "only_ids", only(&mut Rng(5), "ids"));
    bench_text(c, &set, "only_mobiles", only(&mut Rng(6), "mobiles"));
    bench_text(c, &set, "only_cards", only(&mut Rng(7), "cards"));
    bench_text(c, &set, "only_emails", only(&mut Rng(8), "emails"));
    bench_split(c);
}

criterion_group! {
    name = detect;
    // 10 inputs x (1 s warm-up + 3 s measurement): about 45 s in all.
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(detect);
