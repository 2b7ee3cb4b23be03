//! Writes a large order-export workbook for the memory benchmark (`benches/memory.sh`):
//! `cargo run --release --example gen_xlsx -- OUT.xlsx ROWS`. Values are generated (valid
//! mobiles and IDs from a fixed-seed PRNG), never real.

use rust_xlsxwriter::Workbook;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: gen_xlsx OUT.xlsx ROWS")?;
    let rows: u32 = args.next().ok_or("usage: gen_xlsx OUT.xlsx ROWS")?.parse()?;
    // A sheet holds at most 1,048,576 rows: larger exports come as several sheets.
    const ROWS_PER_SHEET: u32 = 1_000_000;
    let mut book = Workbook::new();
    let headers = [
        "订单编号",
        "买家会员名",
        "收货人姓名",
        "联系手机",
        "身份证号",
        "收货地址",
        "宝贝标题",
        "金额",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    const WEIGHTS: [u64; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let mut sheets = Vec::new();
    for first in (0..rows).step_by(ROWS_PER_SHEET as usize) {
        let sheet = book.add_worksheet_with_constant_memory()?;
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string(0, c as u16, *h)?;
        }
        sheets.push((first, rows.min(first + ROWS_PER_SHEET)));
    }
    for (index, (first, last)) in sheets.into_iter().enumerate() {
        let sheet = book.worksheet_from_index(index)?;
        for r in 1..=(last - first) {
            let order = format!(
                "{}",
                3_000_000_000_000_000_000u64 + next() % 1_000_000_000_000_000_000
            );
            let mobile = 13_800_000_000u64 + next() % 100_000_000;
            let body = format!(
                "330106{}{:02}{:02}{:03}",
                1950 + next() % 50,
                1 + next() % 12,
                1 + next() % 28,
                next() % 1000
            );
            let sum: u64 = body
                .bytes()
                .zip(WEIGHTS)
                .map(|(b, w)| u64::from(b - b'0') * w)
                .sum();
            let id = format!("{body}{}", b"10X98765432"[(sum % 11) as usize] as char);
            sheet.write_string(r, 0, &order)?;
            sheet.write_string(r, 1, format!("tb{}", next() % 1_000_000_000))?;
            sheet.write_string(r, 2, "张三")?;
            sheet.write_number(r, 3, mobile as f64)?;
            sheet.write_string(r, 4, &id)?;
            sheet.write_string(
                r,
                5,
                format!("浙江省杭州市西湖区文三路{}号{}室", next() % 999, next() % 2000),
            )?;
            sheet.write_string(r, 6, "夏季新款纯棉短袖T恤男宽松潮流")?;
            sheet.write_number(r, 7, (next() % 100_000) as f64 / 100.0)?;
        }
    }
    book.save(&out)?;
    Ok(())
}
