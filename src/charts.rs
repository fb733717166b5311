//! Drawing metric charts with plotters on a `<canvas>`.

use crate::api::ChartData;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

/// Colours that read on the dark theme.
const BACKGROUND: RGBColor = RGBColor(15, 23, 42);
const GRID: RGBColor = RGBColor(51, 65, 85);
const TEXT: RGBColor = RGBColor(203, 213, 225);
const SERIES: RGBColor = RGBColor(56, 189, 248);
const HEALTHY_BAND: RGBColor = RGBColor(34, 197, 94);
const ALARM: RGBColor = RGBColor(239, 68, 68);
const ONSET: RGBColor = RGBColor(250, 204, 21);

/// Draw `data` on `canvas`, sized to its CSS box. Errors come back as text.
pub fn draw_metric(canvas: &HtmlCanvasElement, data: &ChartData) -> Result<(), String> {
    let width = canvas.client_width().max(300) as u32;
    let height = canvas.client_height().max(200) as u32;
    canvas.set_width(width);
    canvas.set_height(height);
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("no 2D context on the canvas")?;
    let root = backend.into_drawing_area();
    root.fill(&BACKGROUND).map_err(|e| e.to_string())?;
    let (Some(first), Some(last)) = (data.points.first(), data.points.last()) else {
        return Ok(());
    };
    let alarm = data.metric.alarm_level();
    let (healthy_lo, healthy_hi) = data.metric.healthy_range();
    let y_max = data.points.iter().map(|p| p.max).fold(alarm, f64::max) * 1.1;
    let x_range = first.at.timestamp() as f64..last.at.timestamp() as f64 + 1.0;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(28)
        .y_label_area_size(48)
        .caption(
            format!("{} — {}", data.service, data.metric.label()),
            ("sans-serif", 16).into_font().color(&TEXT),
        )
        .build_cartesian_2d(x_range.clone(), 0.0..y_max)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .light_line_style(GRID.mix(0.3))
        .bold_line_style(GRID)
        .axis_style(GRID)
        .label_style(("sans-serif", 12).into_font().color(&TEXT))
        .x_labels(6)
        .x_label_formatter(&|t| {
            chrono::DateTime::from_timestamp(*t as i64, 0)
                .map(|d| d.format("%H:%M").to_string())
                .unwrap_or_default()
        })
        .y_desc(data.metric.unit())
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(x_range.start, healthy_lo), (x_range.end, healthy_hi)],
            HEALTHY_BAND.mix(0.12).filled(),
        )))
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(LineSeries::new(
            [(x_range.start, alarm), (x_range.end, alarm)],
            ALARM.stroke_width(1),
        ))
        .map_err(|e| e.to_string())?;
    if let Some(onset) = data.onset {
        let x = onset.timestamp() as f64;
        chart
            .draw_series(LineSeries::new([(x, 0.0), (x, y_max)], ONSET.stroke_width(1)))
            .map_err(|e| e.to_string())?;
    }
    chart
        .draw_series(LineSeries::new(
            data.points.iter().map(|p| (p.at.timestamp() as f64, p.avg)),
            SERIES.stroke_width(2),
        ))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
