// Turns measurements into a Markdown report and one hand-written SVG bar
// chart per workload. No dependencies.
import type { Kind } from "./_harness.ts";
import type { RuntimeInfo } from "./_runtime.ts";

/** One bar of a chart. */
export interface Bar {
  label: string;
  kind: Kind;
  value: number;
  /** The text printed after the bar. */
  text: string;
}

/** One workload's part of the report. */
export interface Section {
  id: string;
  title: string;
  description: string;
  header: string[];
  rows: string[][];
  chart?: { unit: string; log: boolean; bars: Bar[] };
  notes?: string[];
}

/** A target from the issue, judged on this run. */
export interface Target {
  /** A stable key: the README matches the runtimes' targets by it. */
  id: string;
  /** The target in words, goal included. */
  text: string;
  /** What is measured: "steady state", "first call" or "start-up". */
  stage: string;
  /** What it is measured against (a floor, CPython, a peer). */
  against: string;
  /** The ratio judged (see `goal` for its direction). */
  ratio: number;
  /** The goal, e.g. "≥ 0.97×" (speed or efficiency) or "≤ 1.15× (time)". */
  goal: string;
  /** Details: the times compared. */
  measured: string;
  met: boolean | undefined;
  /** Shown in the README's table (the rest only in bench/results). */
  headline?: boolean;
}

const COLORS: Record<Kind, string> = {
  ours: "#2563eb",
  floor: "#6b7280",
  peer: "#ea8c00",
  python: "#16a34a",
  baseline: "#9333ea",
};

const KIND_LABEL: Record<Kind, string> = {
  ours: "multipool",
  floor: "raw floor",
  peer: "JS peer",
  python: "CPython",
  baseline: "baseline",
};

/** Format a rate like `5.81M/s`. */
export function rate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return "–";
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k/s`;
  return `${perSecond.toFixed(1)}/s`;
}

/** Format milliseconds. */
export function millis(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  if (ms < 1) return `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** Format a ratio like `12.3×`. */
export function times(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return "–";
  if (ratio >= 100) return `${ratio.toFixed(0)}×`;
  if (ratio >= 10) return `${ratio.toFixed(1)}×`;
  if (ratio < 0.01) return `${ratio.toPrecision(2)}×`;
  return `${ratio.toFixed(2)}×`;
}

/** Format bytes as MB. */
export function megabytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return "–";
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

/** "met", "NOT MET" or "n/a" (not judged). */
export function verdict(met: boolean | undefined): string {
  return met === undefined ? "n/a" : met ? "met" : "NOT MET";
}

/** A Markdown table. */
export function markdownTable(header: string[], rows: string[][]): string {
  const esc = (s: string): string => s.replaceAll("|", "\\|");
  const lines = [
    `| ${header.map(esc).join(" | ")} |`,
    `| ${header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ];
  return lines.join("\n");
}

/** A plain-text table for the terminal. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length))
  );
  const line = (r: string[]): string =>
    r.map((
      cell,
      i,
    ) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(
      "  ",
    );
  return [
    line(header),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map(line),
  ].join("\n");
}

/** The whole Markdown report. */
export function markdownReport(
  info: RuntimeInfo,
  python: string | undefined,
  sections: Section[],
  targets: Target[],
  chartFile: (id: string) => string,
  command: string,
): string {
  const out: string[] = [
    `# multipool benchmarks on ${info.version}`,
    "",
    `${info.date} · ${info.version} (${info.engine}) · ${info.cores} cores (${info.cpu}) · ${info.os}` +
    (python ? ` · ${python}` : ""),
    "",
    `Reproduce: \`${command}\`. Medians of interleaved rounds measured in one run; ` +
    "`ours ÷ this` > 1 means multipool is faster. The machine may be shared, so read ratios, not absolute numbers.",
    "",
    "## Targets",
    "",
    "Each target names what is measured (a fresh pool's **first call**, the **steady state** of a started pool, or " +
    "**start-up**) and what it is measured against (a raw floor: bare workers with no pool; CPython; a peer).",
    "",
    markdownTable(
      ["target", "measured", "against", "ratio", "goal", "met", "details"],
      targets.map((t) => [
        t.text,
        t.stage,
        t.against,
        times(t.ratio),
        t.goal,
        verdict(t.met),
        t.measured,
      ]),
    ),
    "",
  ];
  for (const s of sections) {
    out.push(
      `## ${s.title}`,
      "",
      s.description,
      "",
      markdownTable(s.header, s.rows),
      "",
    );
    if (s.chart) out.push(`![${s.title}](${chartFile(s.id)})`, "");
    for (const note of s.notes ?? []) out.push(`- ${note}`);
    if (s.notes?.length) out.push("");
  }
  return out.join("\n");
}

function xml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(
    ">",
    "&gt;",
  ).replaceAll('"', "&quot;");
}

/** A horizontal bar chart as a standalone SVG document. */
export function svgChart(
  title: string,
  subtitle: string,
  chart: NonNullable<Section["chart"]>,
): string {
  const bars = chart.bars.filter((b) =>
    Number.isFinite(b.value) && b.value > 0
  );
  const labelW = 330,
    plotW = 300,
    textW = 120,
    rowH = 24,
    top = 64,
    legendH = 30;
  const width = labelW + plotW + textW + 20;
  const height = top + bars.length * rowH + legendH + 24;
  const max = Math.max(...bars.map((b) => b.value), 1e-9);
  const min = Math.min(...bars.map((b) => b.value), max);
  let scale: (v: number) => number;
  const ticks: Array<{ v: number; label: string }> = [];
  if (chart.log) {
    const lo = Math.floor(Math.log10(min)),
      hi = Math.max(Math.ceil(Math.log10(max)), lo + 1);
    scale = (v) => ((Math.log10(v) - lo) / (hi - lo)) * plotW;
    for (let e = lo; e <= hi; e++) {
      ticks.push({ v: 10 ** e, label: shortNumber(10 ** e) });
    }
  } else {
    const step = niceStep(max / 4);
    const hi = Math.ceil(max / step) * step;
    scale = (v) => (v / hi) * plotW;
    for (let v = 0; v <= hi + step / 2; v += step) {
      ticks.push({ v, label: shortNumber(v) });
    }
  }
  const s: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="600" fill="#111827">${
      xml(title)
    }</text>`,
    `<text x="10" y="40" fill="#4b5563">${xml(subtitle)}</text>`,
    `<text x="${labelW + plotW}" y="58" text-anchor="end" fill="#4b5563">${
      xml(chart.unit)
    }${chart.log ? " (log scale)" : ""}</text>`,
  ];
  const plotBottom = top + bars.length * rowH;
  for (const t of ticks) {
    const x = labelW + (chart.log ? scale(t.v) : scale(t.v));
    s.push(
      `<line x1="${x.toFixed(1)}" y1="${top - 4}" x2="${
        x.toFixed(1)
      }" y2="${plotBottom}" stroke="#e5e7eb"/>`,
    );
    s.push(
      `<text x="${x.toFixed(1)}" y="${
        plotBottom + 14
      }" text-anchor="middle" fill="#6b7280" font-size="10">${
        xml(t.label)
      }</text>`,
    );
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const w = Math.max(1, scale(b.value));
    s.push(
      `<text x="${labelW - 8}" y="${y + 15}" text-anchor="end" fill="#111827">${
        xml(b.label)
      }</text>`,
    );
    s.push(
      `<rect x="${labelW}" y="${y + 4}" width="${w.toFixed(1)}" height="${
        rowH - 8
      }" rx="2" fill="${COLORS[b.kind]}"/>`,
    );
    s.push(
      `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 15}" fill="#374151">${
        xml(b.text)
      }</text>`,
    );
  });
  const kinds = [...new Set(bars.map((b) => b.kind))];
  let lx = 10;
  const ly = plotBottom + 36;
  for (const k of kinds) {
    s.push(
      `<rect x="${lx}" y="${ly - 10}" width="12" height="12" rx="2" fill="${
        COLORS[k]
      }"/>`,
    );
    s.push(
      `<text x="${lx + 17}" y="${ly}" fill="#374151">${KIND_LABEL[k]}</text>`,
    );
    lx += 30 + KIND_LABEL[k].length * 7;
  }
  s.push("</svg>", "");
  return s.join("\n");
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

function shortNumber(v: number): string {
  if (v >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (v >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}
