/**
 * The ratio chart: one horizontal bar per scenario (shardcache ops/s divided
 * by memcached's, medians), a rule at 1×, written as PNG. Vega-Lite compiles
 * the spec, Vega renders SVG headlessly (renderer 'none', no canvas), and
 * resvg (a Rust renderer shipped inside its npm package) turns it into PNG.
 * All three are devDependencies; when they are missing the chart is skipped.
 */
import fs from 'node:fs';

export interface RatioBar {
  scenario: string;
  ratio: number;
}

interface VegaLiteModule {
  compile(spec: object): { spec: object };
}
interface VegaView {
  toSVG(): Promise<string>;
  finalize(): void;
}
interface VegaModule {
  parse(spec: object): unknown;
  View: new (runtime: unknown, options: { renderer: 'none' }) => VegaView;
}
interface ResvgModule {
  Resvg: new (
    svg: string,
    options: { background: string; fitTo: { mode: 'zoom'; value: number }; font: { loadSystemFonts: boolean; defaultFontFamily: string } },
  ) => { render(): { asPng(): Buffer } };
}

// vega 6 and vega-lite 6 are ES modules with top-level await: `require` cannot
// load them and TypeScript would turn a plain import() into require, so keep a
// real dynamic import.
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;

export function ratioSpec(bars: RatioBar[], title: string, subtitle: string): object {
  const max = Math.max(2, ...bars.map((b) => b.ratio)) * 1.12;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle, anchor: 'start', fontSize: 15, subtitleFontSize: 11 },
    width: 560,
    height: { step: 26 },
    data: { values: bars.map((b) => ({ ...b, label: `${b.ratio.toFixed(2)}×` })) },
    encoding: {
      y: { field: 'scenario', type: 'nominal', sort: null, title: null, axis: { labelLimit: 520, labelFontSize: 11 } },
    },
    // The 1× rule first (behind the bars, visible between them), labels inside the bars' ends.
    layer: [
      {
        mark: { type: 'rule', color: '#222', strokeDash: [5, 3], strokeWidth: 2 },
        encoding: { x: { datum: 1, type: 'quantitative' }, y: null },
      },
      {
        mark: { type: 'bar', height: { band: 0.75 } },
        encoding: {
          x: {
            field: 'ratio',
            type: 'quantitative',
            title: 'ops/s shardcache ÷ peer (median)',
            scale: { domain: [0, max], nice: false },
            axis: { format: '.1f', labelExpr: "datum.label + '×'" },
          },
          color: {
            condition: { test: 'datum.ratio >= 1', value: '#2f7d4f' },
            value: '#c0562f',
          },
        },
      },
      {
        mark: { type: 'text', align: 'right', dx: -5, fontSize: 11, fontWeight: 'bold', color: 'white' },
        encoding: { x: { field: 'ratio', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
    config: { font: 'DejaVu Sans', view: { stroke: null }, axis: { labelFont: 'DejaVu Sans', titleFont: 'DejaVu Sans' } },
  };
}

export interface LinePoint {
  series: string;
  x: number;
  y: number;
}

/** One panel per series (independent y scales), sharing the x axis. */
export function lineSpec(points: LinePoint[], title: string, xTitle: string): object {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start', fontSize: 15 },
    data: { values: points },
    facet: { row: { field: 'series', type: 'nominal', title: null, header: { labelFontSize: 12, labelAngle: 0, labelAlign: 'left' } } },
    spec: {
      width: 560,
      height: 160,
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: xTitle },
        y: { field: 'y', type: 'quantitative', title: null, scale: { zero: true } },
      },
    },
    resolve: { scale: { y: 'independent' } },
    config: { font: 'DejaVu Sans', axis: { labelFont: 'DejaVu Sans', titleFont: 'DejaVu Sans' } },
  };
}

/** Renders a line chart to `pngPath`; returns null on success or the reason it was skipped. */
export async function writeLineChart(points: LinePoint[], title: string, xTitle: string, pngPath: string): Promise<string | null> {
  if (points.length === 0) return 'nothing to plot';
  return renderPng(lineSpec(points, title, xTitle), pngPath);
}

async function renderPng(spec: object, pngPath: string): Promise<string | null> {
  let vl: VegaLiteModule;
  let vega: VegaModule;
  let resvg: ResvgModule;
  try {
    vl = await importEsm<VegaLiteModule>('vega-lite');
    vega = await importEsm<VegaModule>('vega');
    resvg = require('@resvg/resvg-js') as ResvgModule;
  } catch (err) {
    return `plotting packages not installed (npm install): ${(err as Error).message.split('\n')[0]}`;
  }
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new resvg.Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng();
  fs.writeFileSync(pngPath, png);
  return null;
}

/** Renders the chart to `pngPath`; returns null on success or the reason it was skipped. */
export async function writeRatioChart(bars: RatioBar[], title: string, subtitle: string, pngPath: string): Promise<string | null> {
  if (bars.length === 0) return 'no ratios to plot (memcached not installed or no throughput scenario run)';
  return renderPng(ratioSpec(bars, title, subtitle), pngPath);
}
