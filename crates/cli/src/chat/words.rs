//! What the chat client itself says, in the conversation's language (English, or Chinese for
//! `--language zh…`). The server's replies come in the session's language already; these are
//! the client's own lines around them.

use agent::Language;

/// One thing the client says.
#[derive(Clone, Debug, PartialEq)]
pub enum Said<'a> {
    SignInRenewed,
    SessionReplaced,
    WhichFile,
    Uploaded {
        name: &'a str,
        kind: &'a str,
        clock: String,
    },
    Credits {
        available: &'a str,
        frozen: &'a str,
    },
    /// Appended to an out-of-credits message.
    Available {
        available: &'a str,
    },
    Saved {
        path: String,
        clock: String,
        megabytes: f64,
    },
    Busy {
        seconds: u64,
    },
    /// A one-shot export not made because the words before it were not (all) done.
    NotExporting {
        /// Parts were asked back, waiting for a yes (else nothing was applied at all).
        pending: bool,
    },
}

impl Said<'_> {
    pub fn in_(&self, lang: Language) -> String {
        match (self, lang) {
            (Said::SignInRenewed, Language::English) => {
                "The sign-in had expired: connected again with a new session.".into()
            }
            (Said::SignInRenewed, Language::Chinese) => "登录已过期：已重新连接并新建会话。".into(),
            (Said::SessionReplaced, Language::English) => {
                "That session was gone, so I started a new one.".into()
            }
            (Said::SessionReplaced, Language::Chinese) => "原会话已不存在，已新建一个会话。".into(),
            (Said::WhichFile, Language::English) => "Which file? Type or drop its path.".into(),
            (Said::WhichFile, Language::Chinese) => "哪个文件？请输入或拖入它的路径。".into(),
            (Said::Uploaded { name, kind, clock }, Language::English) => {
                format!("Uploaded {name} ({kind}, {clock}).")
            }
            (Said::Uploaded { name, kind, clock }, Language::Chinese) => {
                let kind = match *kind {
                    "video" => "视频",
                    "audio" => "音频",
                    "image" => "图片",
                    other => other,
                };
                format!("已上传 {name}（{kind}，{clock}）。")
            }
            (Said::Credits { available, frozen }, Language::English) => {
                format!("{available} credits available ({frozen} held for work under way).")
            }
            (Said::Credits { available, frozen }, Language::Chinese) => {
                format!("可用积分 {available}（进行中的任务冻结 {frozen}）。")
            }
            (Said::Available { available }, Language::English) => {
                format!(" You have {available} credits available.")
            }
            (Said::Available { available }, Language::Chinese) => {
                format!(" 当前可用积分 {available}。")
            }
            (
                Said::Saved {
                    path,
                    clock,
                    megabytes,
                },
                Language::English,
            ) => format!("Saved {path} ({clock}, {megabytes:.1} MB)."),
            (
                Said::Saved {
                    path,
                    clock,
                    megabytes,
                },
                Language::Chinese,
            ) => format!("已保存 {path}（{clock}，{megabytes:.1} MB）。"),
            (Said::NotExporting { pending: true }, Language::English) => "Not exporting: part of what you asked cannot be done, and the rest waits for a yes. Add --apply-understood to do the rest and export it.".into(),
            (Said::NotExporting { pending: true }, Language::Chinese) => "没有导出：有部分要求做不到，其余部分在等你确认。加上 --apply-understood 可以只做能做的部分并导出。".into(),
            (Said::NotExporting { pending: false }, Language::English) => "Not exporting: nothing of what you asked was done, so the export would be the video as it was.".into(),
            (Said::NotExporting { pending: false }, Language::Chinese) => "没有导出：你要求的修改一项都没有完成，导出的会是原来的视频。".into(),
            (Said::Busy { seconds }, Language::English) => {
                format!("The server is busy; trying again in {seconds} s.")
            }
            (Said::Busy { seconds }, Language::Chinese) => {
                format!("服务器正忙，{seconds} 秒后重试。")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_speaks_the_conversations_language() {
        assert_eq!(Language::of_code("zh-CN"), Language::Chinese);
        assert_eq!(Language::of_code("en"), Language::English);
        let uploaded = Said::Uploaded {
            name: "talk.mp4",
            kind: "video",
            clock: "0:11".into(),
        };
        assert_eq!(
            uploaded.in_(Language::English),
            "Uploaded talk.mp4 (video, 0:11)."
        );
        assert_eq!(
            uploaded.in_(Language::Chinese),
            "已上传 talk.mp4（视频，0:11）。"
        );
        let credits = Said::Credits {
            available: "97",
            frozen: "0",
        };
        assert!(credits.in_(Language::Chinese).contains("可用积分 97"));
    }

    /// Every line the client says, in Chinese, holds no English word of its own (file names,
    /// numbers and command-line flags are names).
    #[test]
    fn every_chinese_line_is_chinese() {
        let every = [
            Said::SignInRenewed,
            Said::SessionReplaced,
            Said::WhichFile,
            Said::Uploaded {
                name: "talk.mp4",
                kind: "video",
                clock: "0:11".into(),
            },
            Said::Uploaded {
                name: "song.mp3",
                kind: "audio",
                clock: "0:30".into(),
            },
            Said::Uploaded {
                name: "logo.png",
                kind: "image",
                clock: "0:00".into(),
            },
            Said::Credits {
                available: "97",
                frozen: "3",
            },
            Said::Available { available: "0" },
            Said::Saved {
                path: "exports/talk.mp4".into(),
                clock: "0:09".into(),
                megabytes: 1.5,
            },
            Said::Busy { seconds: 5 },
            Said::NotExporting { pending: true },
            Said::NotExporting { pending: false },
        ];
        for said in every {
            let line = said.in_(Language::Chinese);
            let latin: Vec<&str> = line
                .split_whitespace()
                .filter(|w| !w.contains("--") && !w.contains('.'))
                .flat_map(|w| w.split(|c: char| !c.is_ascii_alphanumeric()))
                .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
                .filter(|w| !w.chars().any(|c| c.is_ascii_digit()) && *w != "MB")
                .collect();
            assert!(latin.is_empty(), "{latin:?} in {line}");
        }
    }
}
