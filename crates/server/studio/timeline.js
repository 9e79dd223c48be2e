// The Draft (the timeline's wire form, see the README's "Timelines") read for showing: tracks
// and segments to scale, the text on screen at a time, and the cuts a word selection asks
// for. Pure functions of their arguments, no DOM.

const KIND = { 0: 'video', 1: 'audio', 7: 'text' };

/** A clock for people: 0:07.4, 1:02.0. */
export function clock(ms) {
  const tenths = Math.max(0, Math.round(ms / 100));
  const minutes = Math.floor(tenths / 600);
  const seconds = ((tenths % 600) / 10).toFixed(1).padStart(4, '0');
  return `${minutes}:${seconds}`;
}

/** The tracks to draw: captions apart from other text, each segment with its place. */
export function tracksOf(draft, names = {}) {
  const tracks = [];
  for (const track of draft?.t ?? []) {
    const kind = KIND[track.tt] ?? 'other';
    const segments = (track.sg ?? []).map((segment, i) => ({
      id: segment.id ?? String(i),
      start: segment.s ?? 0,
      duration: segment.d ?? 0,
      caption: segment.m?.role === 'caption',
      label: labelOf(kind, segment, i, names),
    }));
    if (kind === 'text') {
      const captions = segments.filter((s) => s.caption);
      const titles = segments.filter((s) => !s.caption);
      if (captions.length) tracks.push({ kind: 'captions', id: `${track.id}-c`, segments: captions });
      if (titles.length) tracks.push({ kind: 'text', id: track.id, segments: titles });
    } else {
      tracks.push({ kind, id: track.id, segments });
    }
  }
  return tracks;
}

function labelOf(kind, segment, index, names) {
  if (kind === 'text') return String(segment.m?.text ?? '');
  const source = names[segment.src] ?? `${kind === 'video' ? 'Clip' : 'Sound'} ${index + 1}`;
  return String(source);
}

/** The text segments on screen at `ms`: captions and titles, with where they sit. */
export function textAt(draft, ms) {
  const shown = [];
  for (const track of draft?.t ?? []) {
    if (track.tt !== 7) continue;
    for (const segment of track.sg ?? []) {
      const start = segment.s ?? 0;
      if (ms >= start && ms < start + (segment.d ?? 0)) {
        shown.push({
          text: String(segment.m?.text ?? ''),
          caption: segment.m?.role === 'caption',
          position: segment.m?.position ?? (segment.m?.role === 'caption' ? 'bottom' : 'top'),
        });
      }
    }
  }
  return shown;
}

/**
 * The timeline ranges a selection of words removes: runs of neighbouring words become one
 * range from the first one's start to the last one's end. Latest first, so each cut leaves
 * the times of the ones after it in the list as they were.
 */
export function cutsFor(words, selected) {
  const indexes = [...selected].sort((a, b) => a - b);
  const runs = [];
  for (const i of indexes) {
    const last = runs[runs.length - 1];
    if (last && last.to === i - 1) last.to = i;
    else runs.push({ from: i, to: i });
  }
  return runs
    .map((run) => ({ start_ms: words[run.from].start_ms, end_ms: words[run.to].end_ms }))
    .filter((range) => range.end_ms > range.start_ms)
    .reverse();
}

/** The index of the word being heard at `ms`, or -1. */
export function wordAt(words, ms) {
  let low = 0;
  let high = words.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (ms < words[mid].start_ms) high = mid - 1;
    else if (ms >= words[mid].end_ms) low = mid + 1;
    else return mid;
  }
  return -1;
}
