"""What the bot says about the calendar feed (カレンダー). Japanese first, English after. Pure."""

from __future__ import annotations

from bot.domain.texts import Button, Reply

_REVOKE_BUTTON = Button("URLを無効にする", text="カレンダー 削除")


def feed_url(url: str, *, replaced: bool) -> Reply:
    before = "前に発行したURLは使えなくなりました。\n" if replaced else ""
    return Reply(
        "📅 このトークのリマインダーを、カレンダーアプリで購読できます。\n"
        f"{url}\n"
        "Googleカレンダー: 他のカレンダー「＋」→「URLで追加」\n"
        "iPhone: 設定 → カレンダー → アカウント → 照会するカレンダーを追加\n"
        "このURLを知っている人は誰でも予定を見られます。共有しないでください。\n"
        f"{before}"
        "止めるには「カレンダー 削除」。\n"
        "Your reminders as a private calendar feed: subscribe to this URL (keep it secret).",
        quick_replies=(_REVOKE_BUTTON,),
    )


def revoked(*, had_one: bool) -> Reply:
    if had_one:
        return Reply(
            "カレンダーのURLを無効にしました。購読しているカレンダーには、もう表示されません。\n"
            "The calendar feed URL no longer works."
        )
    return Reply(
        "発行済みのカレンダーURLはありません。「カレンダー」で発行できます。\n"
        "There is no calendar feed to revoke."
    )


def no_public_url() -> Reply:
    return Reply(
        "カレンダーのURLを作れませんでした(このサーバーの公開URLが分かりません)。"
        "管理者は BOT_PUBLIC_URL を設定してください。\n"
        "Cannot make the calendar URL: the server's public URL is unknown (BOT_PUBLIC_URL)."
    )
