//! Drawing charts with plotters on a `<canvas>`.

use crate::view_model::{ChartData, EventKind};
use chrono::{DateTime, Utc};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;
use quantumstate_core::DecisionDoc;
use quantumstate_core::MetricType;
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
    /// A deploy that was looked at and ruled out.
    pub herring: RGBColor,
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
    herring: RGBColor(148, 163, 184),
};

pub const LIGHT: Palette = Palette {
    background: RGBColor(255, 255, 255),
    grid: RGBColor(203, 213, 225),
    text: RGBColor(30, 41, 59),
    series: RGBColor(3, 105, 161),
    healthy: RGBColor(21, 128, 61),
    baseline: RGBColor(100, 116, 139),
    alarm: RGBColor(185, 28, 28),
    onset: RGBColor(161, 98, 7),
    detect: RGBColor(194, 65, 12),
    remedy: RGBColor(109, 40, 217),
    herring: RGBColor(71, 85, 105),
};

fn secs(at: DateTime<Utc>) -> f64 {
    at.timestamp() as f64
}

fn sized(canvas: &HtmlCanvasElement) -> Result<DrawingArea<CanvasBackend, plotters::coord::Shift>, String> {
    sized_to(canvas, 280, 180)
}

/// Match the canvas's backing store to its CSS box times the screen's pixel
/// ratio (crisp on HiDPI), and draw in CSS pixels (at least `min_w`×`min_h`).
fn sized_to(
    canvas: &HtmlCanvasElement,
    min_w: i32,
    min_h: i32,
) -> Result<DrawingArea<CanvasBackend, plotters::coord::Shift>, String> {
    let ratio = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .clamp(1.0, 4.0);
    let width = canvas.client_width().max(min_w);
    let height = canvas.client_height().max(min_h);
    canvas.set_width((f64::from(width) * ratio).round() as u32);
    canvas.set_height((f64::from(height) * ratio).round() as u32);
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("no 2D context on the canvas")?;
    // plotters draws in CSS pixels (a CSS-sized area of the backing store);
    // the context's transform scales them up to device pixels.
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| wasm_bindgen::JsCast::dyn_into(c).ok())
        .ok_or("no 2D context on the canvas")?;
    context
        .set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0)
        .map_err(|_| "cannot scale the canvas")?;
    Ok(backend
        .into_drawing_area()
        .shrink((0, 0), (width as u32, height as u32)))
}

/// A metric's name and unit in words, for captions and labels.
pub fn metric_words(metric: MetricType) -> &'static str {
    match metric {
        MetricType::MemoryPercent => "memory used, percent",
        MetricType::CpuPercent => "CPU used, percent",
        MetricType::ErrorRate => "errors per minute",
        MetricType::RequestLatencyMs => "p95 latency, milliseconds",
        MetricType::RequestsPerMin => "requests per minute",
    }
}

/// Tick text with the precision the range deserves (no "80.0").
fn tick(v: f64, span: f64) -> String {
    if span >= 10.0 || v.fract().abs() < 1e-9 {
        ((v.round()) as i64).to_string()
    } else {
        let tenths = (v * 10.0).round() as i64;
        format!("{}.{}", tenths / 10, (tenths % 10).abs())
    }
}

/// The story chart's time axis: quiet history before `focus` squeezed into
/// the first [`HISTORY_SHARE`] of the width, the incident given the rest.
#[derive(Clone, Copy)]
struct TimeAxis {
    start: f64,
    focus: f64,
    end: f64,
}

/// Share of the width the compressed history gets.
const HISTORY_SHARE: f64 = 0.16;

impl TimeAxis {
    fn compressed(&self) -> bool {
        self.focus > self.start
    }
    fn x(&self, t: f64) -> f64 {
        if !self.compressed() {
            return (t - self.start) / (self.end - self.start);
        }
        if t < self.focus {
            HISTORY_SHARE * (t - self.start) / (self.focus - self.start)
        } else {
            HISTORY_SHARE + (1.0 - HISTORY_SHARE) * (t - self.focus) / (self.end - self.focus)
        }
    }
    fn t(&self, x: f64) -> f64 {
        if !self.compressed() {
            return self.start + x * (self.end - self.start);
        }
        if x < HISTORY_SHARE {
            self.start + x / HISTORY_SHARE * (self.focus - self.start)
        } else {
            self.focus + (x - HISTORY_SHARE) / (1.0 - HISTORY_SHARE) * (self.end - self.focus)
        }
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// An empty panel that says why it is empty.
pub fn draw_empty(canvas: &HtmlCanvasElement, message: &str, p: Palette) -> Result<(), String> {
    let root = sized(canvas)?;
    root.fill(&p.background).map_err(err)?;
    let (w, h) = root.dim_in_pixel();
    let style = ("sans-serif", 14)
        .into_font()
        .color(&p.text)
        .pos(plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        ));
    root.draw_text(message, &style, (w as i32 / 2, h as i32 / 2))
        .map_err(err)?;
    root.present().map_err(err)
}

/// The story chart: series, healthy band, baseline band, alarm line, forecast,
/// and every event of the incident as a labelled vertical line.
pub fn draw_metric(canvas: &HtmlCanvasElement, data: &ChartData, p: Palette) -> Result<(), String> {
    let root = sized(canvas)?;
    root.fill(&p.background).map_err(err)?;
    let (Some(first), Some(last)) = (data.points.first(), data.points.last()) else {
        return Ok(());
    };
    let mut end = secs(last.at) + 1.0;
    if let Some((_, (eta, _))) = data.forecast {
        end = end.max(secs(eta).min(secs(last.at) + 3600.0));
    }
    let start = secs(first.at);
    let axis = TimeAxis {
        start,
        focus: data.focus_from.map_or(start, secs).clamp(start, end),
        end,
    };
    let (w, h) = root.dim_in_pixel();
    // The event labels, staggered into rows so none overlap, in a band above
    // the data (the curve and the alarm line never run under a label).
    let plot_w = f64::from(w.saturating_sub(66).max(1));
    let plot_h = f64::from(h.saturating_sub(64).max(1));
    let mut rows_end: Vec<f64> = Vec::new();
    let labels: Vec<(f64, f64, usize)> = data
        .events
        .iter()
        .map(|e| {
            let x = axis.x(secs(e.at));
            let label_w = (e.label.chars().count() as f64 * 6.4 + 8.0) / plot_w;
            // Right of the line when there is room, else left of it.
            let left = if x + label_w > 1.0 { x - label_w } else { x + 0.004 };
            let row = rows_end.iter().position(|end| *end < left).unwrap_or(rows_end.len());
            if row == rows_end.len() {
                rows_end.push(f64::NEG_INFINITY);
            }
            rows_end[row] = left + label_w;
            (x, left, row)
        })
        .collect();
    const ROW_PX: f64 = 13.0;
    let band_px = 4.0 + ROW_PX * rows_end.len() as f64;
    let top = data.points.iter().map(|q| q.max).fold(data.alarm, f64::max);
    let y_max = (top * 1.12).max(top / (1.0 - (band_px / plot_h).min(0.6)));
    let mut chart = ChartBuilder::on(&root)
        .margin(10)
        .margin_right(16)
        .x_label_area_size(22)
        .y_label_area_size(40)
        .caption(
            format!("{} · {} · times UTC", data.service, metric_words(data.metric)),
            ("sans-serif", 14).into_font().color(&p.text),
        )
        .build_cartesian_2d(0.0..1.0, 0.0..y_max)
        .map_err(err)?;
    let x_fmt = |x: &f64| {
        DateTime::from_timestamp(axis.t(*x) as i64, 0)
            .map(quantumstate_core::time::hm)
            .unwrap_or_default()
    };
    let y_fmt = |v: &f64| tick(*v, y_max);
    chart
        .configure_mesh()
        .light_line_style(p.grid.mix(0.25))
        .bold_line_style(p.grid.mix(0.6))
        .axis_style(p.grid)
        .label_style(("sans-serif", 12).into_font().color(&p.text))
        .x_labels(((w / 90) as usize).clamp(3, 8))
        .y_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .draw()
        .map_err(err)?;
    if axis.compressed() {
        chart
            .draw_series([Rectangle::new(
                [(0.0, 0.0), (HISTORY_SHARE, y_max)],
                p.grid.mix(0.18).filled(),
            )])
            .map_err(err)?;
        chart
            .draw_series([Text::new(
                "earlier, compressed",
                (0.01, y_max * 0.06),
                ("sans-serif", 11).into_font().color(&p.text),
            )])
            .map_err(err)?;
    }
    let band = |lo: f64, hi: f64, color: RGBColor, alpha: f64| {
        Rectangle::new([(0.0, lo), (1.0, hi)], color.mix(alpha).filled())
    };
    chart
        .draw_series([band(data.healthy.0, data.healthy.1.min(y_max), p.healthy, 0.10)])
        .map_err(err)?;
    if let Some((lo, hi)) = data.baseline_band {
        chart
            .draw_series([band(lo.max(0.0), hi, p.baseline, 0.18)])
            .map_err(err)?;
    }
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, data.alarm), (1.0, data.alarm)],
            6,
            4,
            p.alarm.stroke_width(1),
        ))
        .map_err(err)?;
    chart
        .draw_series([Text::new(
            format!("alarm {}", tick(data.alarm, y_max)),
            (
                0.005 + if axis.compressed() { HISTORY_SHARE } else { 0.0 },
                data.alarm + y_max * 0.01,
            ),
            // Above the line, not across it.
            ("sans-serif", 11)
                .into_font()
                .color(&p.alarm)
                .pos(Pos::new(HPos::Left, VPos::Bottom)),
        )])
        .map_err(err)?;
    // Event lines, each labelled in its row of the band above the data.
    for (e, (x, left, row)) in data.events.iter().zip(labels) {
        if !(0.0..=1.0).contains(&x) {
            continue;
        }
        let color = match e.kind {
            EventKind::Onset => p.onset,
            EventKind::Flagged => p.detect,
            EventKind::Deploy => p.alarm,
            EventKind::DeployRuledOut => p.herring,
            EventKind::Remediation => p.remedy,
            EventKind::Recovered => p.healthy,
        };
        let line = [(x, 0.0), (x, y_max)];
        if e.kind == EventKind::DeployRuledOut {
            chart
                .draw_series(DashedLineSeries::new(line, 4, 3, color.stroke_width(2)))
                .map_err(err)?;
        } else {
            chart
                .draw_series(LineSeries::new(line, color.stroke_width(2)))
                .map_err(err)?;
        }
        chart
            .draw_series([Text::new(
                e.label.clone(),
                (left, y_max * (1.0 - (2.0 + ROW_PX * row as f64) / plot_h)),
                ("sans-serif", 11).into_font().color(&color),
            )])
            .map_err(err)?;
    }
    chart
        .draw_series(LineSeries::new(
            data.points.iter().map(|q| (axis.x(secs(q.at)), q.avg)),
            p.series.stroke_width(2),
        ))
        .map_err(err)?;
    if let Some(((t0, v0), (t1, v1))) = data.forecast {
        let (x0, x1) = (axis.x(secs(t0)), axis.x(secs(t1)).min(1.0));
        chart
            .draw_series(DashedLineSeries::new(
                [(x0, v0), (x1, v1)],
                5,
                4,
                p.detect.stroke_width(2),
            ))
            .map_err(err)?;
        chart
            .draw_series([Circle::new((x1, v1), 4, p.detect.filled())])
            .map_err(err)?;
    }
    root.present().map_err(err)
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
    let max = bars.iter().map(|b| b.1).fold(1.0, f64::max) * 1.2;
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
        .y_labels(5)
        .y_label_formatter(&|v: &f64| tick(*v, max))
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, v, current))| {
            let color = if *current { p.healthy } else { p.baseline };
            Rectangle::new([(i as f64 + 0.2, 0.0), (i as f64 + 0.8, *v)], color.filled())
        }))
        .map_err(|e| e.to_string())?;
    // Labels above the bars, centred: name and minutes.
    let centred = plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Bottom,
    );
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (label, v, _))| {
            Text::new(
                format!("{label}: {}", tick(*v, max)),
                (i as f64 + 0.5, *v + max * 0.02),
                ("sans-serif", 12).into_font().color(&p.text).pos(centred),
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
