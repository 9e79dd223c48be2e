// Every word the page shows, in English and Chinese, as data. `say(key, ...values)` fills
// {0}, {1}, … in order. The page follows the browser's language until the user picks one.

export const LANGUAGES = { en: 'English', zh: '中文' };

const WORDS = {
  en: {
    title: 'cutline studio',
    upload: 'Upload',
    uploadHint: 'Drop videos, music or images here, or choose files',
    message: 'Message',
    messagePlaceholder: 'Say what you want: “trim the pauses and add captions”',
    send: 'Send',
    undo: 'Undo',
    redo: 'Redo',
    startOver: 'Start over',
    export: 'Export',
    download: 'Download',
    format: 'Format',
    resolution: 'Resolution',
    original: 'Original size',
    credits: '{0} credits',
    quote: 'This costs {0} credits (you have {1}).',
    quoteFree: 'This costs nothing.',
    quoteOne: 'This costs 1 credit (you have {1}).',
    editPrice: 'Undo, Redo, Start over: {0}',
    sessions: 'Your sessions',
    newSession: 'New session',
    noSessions: 'No sessions yet.',
    sessionLine: '{0} · {1} · {2}',
    language: 'Language',
    preview: 'Preview',
    previewWaiting: 'Preparing the preview…',
    previewNone: 'Upload a video to see it here.',
    timeline: 'Timeline',
    pieces: 'Videos in this session',
    source: 'Original: {0}',
    transcript: 'Transcript',
    transcriptNone: 'No transcript yet: say “add captions” or “transcribe” first.',
    deleteWords: 'Delete words',
    captions: 'Captions',
    captionEdit: 'Caption {0}: press Enter to save, Escape to cancel',
    goAhead: 'Go ahead',
    close: 'Close',
    leaveIt: 'Leave it',
    yes: 'go ahead',
    no: 'no',
    waiting: 'Waiting for your answer',
    you: 'You',
    assistant: 'cutline',
    working: 'Working…',
    stage_analyse: 'Analysing',
    stage_transcribe: 'Transcribing',
    stage_render: 'Rendering',
    stage_decode: 'Reading the sound',
    stage_translate: 'Translating',
    interrupted: 'The reply was cut off (the server may have restarted); the timeline below is as it is now.',
    uploading: 'Uploading {0}',
    uploaded: '{0} uploaded',
    refused: '{0} was not uploaded: {1}',
    formats: 'Accepted: mp4, mov, avi, webm, mkv, jpg, png, gif, webp, mp3, wav, m4a, aac.',
    connecting: 'Connecting…',
    ready: 'Ready',
    lost: 'The connection was lost; reconnecting…',
    failed: 'Something went wrong: {0}',
    outOfCredits: '{0} Your balance: {1} credits.',
    busy: 'cutline is still working on the last request; try again in a moment.',
    exported: 'Exported {0} ({1}).',
    exporting: 'Exporting…',
    track_video: 'Video',
    track_audio: 'Music and sound',
    track_text: 'Titles',
    track_captions: 'Captions',
    segment: '{0}, {1} to {2}',
    selected: '{0} words selected ({1} s)',
    nothingSelected: 'Select words (click, Shift+click, or Shift+arrows), then press Delete.',
  },
  zh: {
    title: 'cutline 工作室',
    upload: '上传',
    uploadHint: '把视频、音乐或图片拖到这里，或选择文件',
    message: '消息',
    messagePlaceholder: '说出你想要的：“去掉停顿并加字幕”',
    send: '发送',
    undo: '撤销',
    redo: '重做',
    startOver: '重新开始',
    export: '导出',
    download: '下载 Download',
    format: '格式',
    resolution: '分辨率',
    original: '原始尺寸',
    credits: '{0} 积分',
    quote: '这将花费 {0} 积分（你有 {1}）。',
    quoteFree: '这不花费积分。',
    quoteOne: '这将花费 1 积分（你有 {1}）。',
    editPrice: '撤销、重做、重新开始：{0}',
    sessions: '你的会话',
    newSession: '新会话',
    noSessions: '还没有会话。',
    sessionLine: '{0} · {1} · {2}',
    language: '语言',
    preview: '预览',
    previewWaiting: '正在准备预览…',
    previewNone: '上传一个视频，就能在这里看到。',
    timeline: '时间线',
    pieces: '本会话的视频',
    source: '原片：{0}',
    transcript: '文字稿',
    transcriptNone: '还没有文字稿：先说“加字幕”或“转写”。',
    deleteWords: '删除所选文字',
    captions: '字幕',
    captionEdit: '字幕 {0}：按回车保存，按 Esc 取消',
    goAhead: '继续',
    close: '关闭',
    leaveIt: '算了',
    yes: '好的',
    no: '算了',
    waiting: '等你回答',
    you: '你',
    assistant: 'cutline',
    working: '处理中…',
    stage_analyse: '分析中',
    stage_transcribe: '转写中',
    stage_render: '渲染中',
    stage_decode: '读取声音',
    stage_translate: '翻译中',
    interrupted: '回复中断了（服务器可能重启了）；下面是现在的时间线。',
    uploading: '正在上传 {0}',
    uploaded: '{0} 已上传',
    refused: '{0} 没有上传：{1}',
    formats: '支持：mp4、mov、avi、webm、mkv、jpg、png、gif、webp、mp3、wav、m4a、aac。',
    connecting: '正在连接…',
    ready: '就绪',
    lost: '连接中断，正在重新连接…',
    failed: '出错了：{0}',
    outOfCredits: '{0} 你的余额：{1} 积分。',
    busy: 'cutline 还在处理上一个请求，请稍后再试。',
    exported: '已导出 {0}（{1}）。',
    exporting: '正在导出…',
    track_video: '视频',
    track_audio: '音乐和声音',
    track_text: '标题',
    track_captions: '字幕',
    segment: '{0}，{1} 到 {2}',
    selected: '已选 {0} 个词（{1} 秒）',
    nothingSelected: '选择文字（点击、Shift+点击或 Shift+方向键），然后按 Delete。',
  },
};

/** The language the browser asks for, when the user has not chosen one. */
export function browserLanguage(languages = navigator.languages || [navigator.language]) {
  return languages.some((l) => (l || '').toLowerCase().startsWith('zh')) ? 'zh' : 'en';
}

/** The session language the server knows for a page language. */
export function sessionLanguage(lang) {
  return lang === 'zh' ? 'zh-CN' : 'en';
}

let current = 'en';

export function setLanguage(lang) {
  current = WORDS[lang] ? lang : 'en';
  return current;
}

export function language() {
  return current;
}

/** Whether the page has words for `key`. */
export function has(key) {
  return key in WORDS.en;
}

export function say(key, ...values) {
  const text = WORDS[current][key] ?? WORDS.en[key] ?? key;
  return text.replace(/\{(\d)\}/g, (_, i) => String(values[Number(i)] ?? ''));
}
