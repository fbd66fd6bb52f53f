//! What the commands print: JSON, the run summary, progress, and the small formats they share.

mod progress;
mod summary;

use std::io::{self, Write};

use serde::Serialize;
use vmrotate::vsphere_client::Client;

use super::CliError;

pub use progress::Progress;
pub use summary::{report_failures, write_decision, write_run_summary};

/// Writes `value` as pretty JSON and a newline.
pub fn write_json(out: &mut impl Write, value: &impl Serialize) -> Result<(), CliError> {
    serde_json::to_writer_pretty(&mut *out, value)
        .map_err(io::Error::from)
        .and_then(|()| writeln!(out))
        .map_err(CliError::Write)
}

/// Logs out. A failed logout changes nothing for the user (the server ends idle sessions), so
/// it is not reported.
pub async fn close(client: Client) {
    let _ = client.close().await;
}

/// A time as local `yyyy-mm-dd hh:mm`.
pub fn local_minute(time: jiff::Timestamp) -> String {
    time.to_zoned_datetime(jiff::tz::TimeZone::system())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// Writes `header` and `rows` as left-aligned columns, each line starting with `indent`.
pub fn write_table<const N: usize>(
    out: &mut impl Write,
    indent: &str,
    header: &[String; N],
    rows: &[[String; N]],
) -> io::Result<()> {
    let mut widths = [0; N];
    for cells in std::iter::once(header).chain(rows) {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for cells in std::iter::once(header).chain(rows) {
        let mut line = String::from(indent);
        for (index, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if index + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_to_the_widest_cell() {
        let header = ["slot", "name"].map(String::from);
        let rows = [["01", "zz_a-01"], ["102", "zz_a-02"]].map(|row| row.map(String::from));
        let mut out = Vec::new();
        write_table(&mut out, "  ", &header, &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "  slot  name\n  01    zz_a-01\n  102   zz_a-02\n"
        );
    }
}
