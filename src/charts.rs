//! Drawing charts with plotters on a `<canvas>`.

use crate::api::ChartData;
use chrono::{DateTime, Utc};
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use quantumstate_core::DecisionDoc;
use web_sys::HtmlCanvasElement;

/// Colours for one theme.
#[derive(Clone, Copy)]
pub struct Palette {
    pub background: RGBColor,
    pub grid: RGBColor,
    pub text: RGBColor,
    pub series: RGBColor,
    pub healthy: RGBColor,
    pub baseline: RGBColor,
    pub alarm: RGBColor,
    pub onset: RGBColor,
    pub detect: RGBColor,
    pub remedy: RGBColor,
}

pub const DARK: Palette = Palette {
    background: RGBColor(15, 23, 42),
    grid: RGBColor(51, 65, 85),
    text: RGBColor(203, 213, 225),
    series: RGBColor(56, 189, 248),
    healthy: RGBColor(34, 197, 94),
    baseline: RGBColor(148, 163, 184),
    alarm: RGBColor(239, 68, 68),
    onset: RGBColor(250, 204, 21),
    detect: RGBColor(251, 146, 60),
    remedy: RGBColor(167, 139, 250),
};

pub const LIGHT: Palette = Palette {
    background: RGBColor(255, 255, 255),
    grid: RGBColor(203, 213, 225),
    text: RGBColor(30, 41, 59),
    series: RGBColor(2, 132, 199),
    healthy: RGBColor(22, 163, 74),
    baseline: RGBColor(100, 116, 139),
    alarm: RGBColor(220, 38, 38),
    onset: RGBColor(202, 138, 4),
    detect: RGBColor(234, 88, 12),
    remedy: RGBColor(124, 58, 237),
};

fn secs(at: DateTime<Utc>) -> f64 {
    at.timestamp() as f64
}

fn sized(canvas: &HtmlCanvasElement) -> Result<DrawingArea<CanvasBackend, plotters::coord::Shift>, String> {
    sized_to(canvas, 280, 180)
}

/// Match the canvas's pixel size to its CSS box (at least `min_w`×`min_h`).
fn sized_to(
    canvas: &HtmlCanvasElement,
    min_w: i32,
    min_h: i32,
) -> Result<DrawingArea<CanvasBackend, plotters::coord::Shift>, String> {
    let width = canvas.client_width().max(min_w) as u32;
    let height = canvas.client_height().max(min_h) as u32;
    canvas.set_width(width);
    canvas.set_height(height);
    Ok(CanvasBackend::with_canvas_object(canvas.clone())
        .ok_or("no 2D context on the canvas")?
        .into_drawing_area())
}

fn hhmm(t: &f64) -> String {
    DateTime::from_timestamp(*t as i64, 0)
        .map(quantumstate_core::time::hm)
        .unwrap_or_default()
}

/// The story chart: series, healthy band, baseline band, alarm line, onset,
/// detection, forecast to critical, remediation and recovery.
pub fn draw_metric(canvas: &HtmlCanvasElement, data: &ChartData, p: Palette) -> Result<(), String> {
    let root = sized(canvas)?;
    root.fill(&p.background).map_err(|e| e.to_string())?;
    let (Some(first), Some(last)) = (data.points.first(), data.points.last()) else {
        return Ok(());
    };
    let mut x_end = secs(last.at) + 1.0;
    if let Some((_, (eta, _))) = data.forecast {
        x_end = x_end.max(secs(eta).min(secs(last.at) + 3600.0));
    }
    let x_range = secs(first.at)..x_end;
    let y_max = data.points.iter().map(|q| q.max).fold(data.alarm, f64::max) * 1.12;
    let mut chart = ChartBuilder::on(&root)
        .margin(10)
        .x_label_area_size(26)
        .y_label_area_size(52)
        .caption(
            format!("{} — {}", data.service, data.metric.label()),
            ("sans-serif", 15).into_font().color(&p.text),
        )
        .build_cartesian_2d(x_range.clone(), 0.0..y_max)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .light_line_style(p.grid.mix(0.25))
        .bold_line_style(p.grid.mix(0.6))
        .axis_style(p.grid)
        .label_style(("sans-serif", 12).into_font().color(&p.text))
        .axis_desc_style(("sans-serif", 12).into_font().color(&p.text))
        .x_labels(7)
        .x_label_formatter(&hhmm)
        .x_desc("time (UTC)")
        .y_desc(data.metric.unit())
        .draw()
        .map_err(|e| e.to_string())?;
    let band = |lo: f64, hi: f64, color: RGBColor, alpha: f64| {
        Rectangle::new([(x_range.start, lo), (x_range.end, hi)], color.mix(alpha).filled())
    };
    chart
        .draw_series([band(data.healthy.0, data.healthy.1, p.healthy, 0.10)])
        .map_err(|e| e.to_string())?;
    if let Some((lo, hi)) = data.baseline_band {
        chart
            .draw_series([band(lo.max(0.0), hi, p.baseline, 0.18)])
            .map_err(|e| e.to_string())?;
    }
    chart
        .draw_series(DashedLineSeries::new(
            [(x_range.start, data.alarm), (x_range.end, data.alarm)],
            6,
            4,
            p.alarm.stroke_width(1),
        ))
        .map_err(|e| e.to_string())?;
    let vline = |at: DateTime<Utc>, color: RGBColor| {
        LineSeries::new([(secs(at), 0.0), (secs(at), y_max)], color.stroke_width(2))
    };
    for (at, color) in [
        (data.onset, p.onset),
        (data.detected_at, p.detect),
        (data.remediation_at, p.remedy),
        (data.recovered_at, p.healthy),
    ] {
        if let Some(at) = at {
            chart.draw_series(vline(at, color)).map_err(|e| e.to_string())?;
        }
    }
    chart
        .draw_series(LineSeries::new(
            data.points.iter().map(|q| (secs(q.at), q.avg)),
            p.series.stroke_width(2),
        ))
        .map_err(|e| e.to_string())?;
    if let Some(((t0, v0), (t1, v1))) = data.forecast {
        chart
            .draw_series(DashedLineSeries::new(
                [(secs(t0), v0), (secs(t1), v1)],
                5,
                4,
                p.detect.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?;
        chart
            .draw_series([Circle::new((secs(t1), v1), 4, p.detect.filled())])
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}

/// Agents on a time axis: one row per agent, a dot per decision.
pub fn draw_decisions(canvas: &HtmlCanvasElement, decisions: &[DecisionDoc], p: Palette) -> Result<(), String> {
    let root = sized(canvas)?;
    root.fill(&p.background).map_err(|e| e.to_string())?;
    if decisions.is_empty() {
        return Ok(());
    }
    let t0 = decisions
        .iter()
        .map(|d| secs(d.timestamp))
        .fold(f64::INFINITY, f64::min);
    let t1 = decisions
        .iter()
        .map(|d| secs(d.timestamp))
        .fold(f64::NEG_INFINITY, f64::max);
    let pad = ((t1 - t0) * 0.1).max(30.0);
    let agents = quantumstate_core::Agent::ALL;
    let mut chart = ChartBuilder::on(&root)
        .margin(10)
        .x_label_area_size(24)
        .y_label_area_size(96)
        .build_cartesian_2d(t0 - pad..t1 + pad, -0.5..(agents.len() as f64 - 0.5))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(p.grid.mix(0.2))
        .bold_line_style(p.grid.mix(0.5))
        .axis_style(p.grid)
        .label_style(("sans-serif", 12).into_font().color(&p.text))
        .x_labels(5)
        .x_label_formatter(&|t| {
            DateTime::from_timestamp(*t as i64, 0)
                .map(quantumstate_core::time::hms)
                .unwrap_or_default()
        })
        .y_labels(agents.len())
        .y_label_formatter(&|y| {
            let i = y.round() as usize;
            agents.get(i).map(|a| a.as_str().to_string()).unwrap_or_default()
        })
        .draw()
        .map_err(|e| e.to_string())?;
    let colors = [p.onset, p.series, p.remedy, p.healthy];
    for d in decisions {
        let row = agents.iter().position(|a| *a == d.agent).unwrap_or(0);
        let radius = 3 + (u32::from(d.confidence) / 20) as i32;
        chart
            .draw_series([Circle::new(
                (secs(d.timestamp), row as f64),
                radius,
                colors[row].filled(),
            )])
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}

/// This incident's MTTR against past incidents of the same type (minutes).
pub fn draw_mttr(canvas: &HtmlCanvasElement, bars: &[(String, f64, bool)], p: Palette) -> Result<(), String> {
    let root = sized(canvas)?;
    root.fill(&p.background).map_err(|e| e.to_string())?;
    if bars.is_empty() {
        return Ok(());
    }
    let max = bars.iter().map(|b| b.1).fold(1.0, f64::max) * 1.15;
    let mut chart = ChartBuilder::on(&root)
        .margin(10)
        .x_label_area_size(24)
        .y_label_area_size(40)
        .build_cartesian_2d(0.0..bars.len() as f64, 0.0..max)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(p.grid.mix(0.2))
        .bold_line_style(p.grid.mix(0.5))
        .axis_style(p.grid)
        .label_style(("sans-serif", 12).into_font().color(&p.text))
        .x_labels(0)
        .y_desc("MTTR (min)")
        .axis_desc_style(("sans-serif", 12).into_font().color(&p.text))
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, v, current))| {
            let color = if *current { p.healthy } else { p.baseline };
            Rectangle::new([(i as f64 + 0.2, 0.0), (i as f64 + 0.8, *v)], color.filled())
        }))
        .map_err(|e| e.to_string())?;
    // Labels above the bars: name and minutes.
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (label, v, _))| {
            Text::new(
                format!("{label}: {v:.0}"),
                (i as f64 + 0.2, *v + max * 0.03),
                ("sans-serif", 12).into_font().color(&p.text),
            )
        }))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

/// A sparkline: the values, the alarm level as a dashed line, no axes.
pub fn draw_sparkline(canvas: &HtmlCanvasElement, values: &[f64], alarm: f64, p: Palette) -> Result<(), String> {
    let root = sized_to(canvas, 60, 24)?;
    root.fill(&p.background).map_err(|e| e.to_string())?;
    if values.len() < 2 {
        return Ok(());
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max).max(alarm) * 1.05;
    let mut chart = ChartBuilder::on(&root)
        .margin(2)
        .build_cartesian_2d(0.0..(values.len() - 1) as f64, lo..hi)
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, alarm), ((values.len() - 1) as f64, alarm)],
            3,
            3,
            p.alarm.mix(0.7).stroke_width(1),
        ))
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(LineSeries::new(
            values.iter().enumerate().map(|(i, v)| (i as f64, *v)),
            p.series.stroke_width(2),
        ))
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
