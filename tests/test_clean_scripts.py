"""Pages written in scripts other than Latin, without og:type or JSON-LD: a news story is an
article whatever marks end its sentences (。 ۔ । ؟ ။, or none in Thai), and a section front of
headlines in those scripts is still a listing. The sentence-end and headline tests read
Unicode's Terminal_Punctuation and Sentence_Terminal properties (pipeline/clean/blocks.py)."""

from __future__ import annotations

import pytest

from pipeline.clean import clean_html
from pipeline.clean.blocks import ends_sentence, ends_with_mark, headline_like, words
from pipeline.clean.quality import reads_as_prose


def page(lang: str, title: str, paragraphs: list[str], direction: str = "ltr") -> str:
    """No og:type, no JSON-LD: only the text can say whether this is an article."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html lang='{lang}' dir='{direction}'><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><main><h1>{title}</h1>{body}</main></body></html>")


STORIES = {
    "chinese": page("zh", "多佛渡轮停航", [
        "渡轮公司周二表示，由于机舱起火，多佛的渡轮已暂停运营。",
        "公司发言人说，船上没有人受伤，乘客已被安排改乘其他航班。",
        "港口官员称，调查人员正在检查起火原因，服务预计周五恢复。",
        "受影响的乘客可以在网上申请全额退款，或者免费改签。",
    ]),
    "japanese": page("ja", "ドーバーのフェリーが運休", [
        "フェリー会社は火曜日、機関室で火災が発生したため、運航を停止したと発表した。",
        "広報担当者によると、けが人はおらず、乗客は別の便に振り替えられた。",
        "港の当局者は、原因を調べており、金曜日には再開する見込みだと述べた。",
    ]),
    "urdu": page("ur", "ڈوور فیری سروس معطل", [
        "فیری کمپنی نے منگل کو کہا کہ انجن روم میں آگ لگنے کے بعد سروس معطل کر دی گئی۔",
        "ترجمان کے مطابق کوئی زخمی نہیں ہوا اور مسافروں کو دوسری فیری پر منتقل کر دیا گیا۔",
        "بندرگاہ کے حکام کا کہنا ہے کہ آگ کی وجہ کی تحقیقات جاری ہیں۔",
        "کیا سروس جمعہ کو بحال ہوگی؟ کمپنی نے ابھی اس کی تصدیق نہیں کی۔",
    ], "rtl"),
    "persian": page("fa", "توقف کشتی دوور", [
        "شرکت کشتیرانی روز سه‌شنبه اعلام کرد که پس از آتش‌سوزی در موتورخانه، خدمات متوقف شد.",
        "به گفته سخنگوی شرکت، کسی آسیب ندید و مسافران به کشتی دیگری منتقل شدند.",
        "آیا خدمات تا جمعه از سر گرفته می‌شود؟",
    ], "rtl"),
    "arabic": page("ar", "توقف عبارة دوفر", [
        "قالت شركة العبارات يوم الثلاثاء إن الخدمة توقفت بعد اندلاع حريق في غرفة المحركات.",
        "وقال متحدث باسم الشركة إنه لم يصب أحد، ونقل الركاب إلى عبارة أخرى.",
        "هل تعود الخدمة يوم الجمعة؟",
    ], "rtl"),
    "hindi": page("hi", "डोवर फेरी सेवा रुकी", [
        "फेरी कंपनी ने मंगलवार को कहा कि इंजन कक्ष में आग लगने के बाद सेवा रोक दी गई।",
        "प्रवक्ता के अनुसार कोई घायल नहीं हुआ और यात्रियों को दूसरी फेरी पर भेजा गया।",
        "बंदरगाह के अधिकारियों ने कहा कि आग के कारण की जांच की जा रही है।",
    ]),
    "burmese": page("my", "ဒိုဗာ ဖယ်ရီ ရပ်နား", [
        "စက်ခန်းတွင် မီးလောင်ပြီးနောက် ဖယ်ရီဝန်ဆောင်မှုကို ရပ်နားလိုက်သည်ဟု ကုမ္ပဏီက ပြောသည်။",
        "ဒဏ်ရာရသူ မရှိကြောင်း ပြောရေးဆိုခွင့်ရှိသူက ပြောသည်။",
        "ဆိပ်ကမ်းအရာရှိများက မီးလောင်ရသည့် အကြောင်းရင်းကို စုံစမ်းနေသည်။",
    ]),
    # Thai ends a sentence with a space, not a mark
    "thai": page("th", "เรือข้ามฟากโดเวอร์หยุดให้บริการ", [
        "บริษัทเรือข้ามฟากกล่าวเมื่อวันอังคารว่าได้หยุดให้บริการหลังเกิดไฟไหม้ในห้องเครื่อง",
        "โฆษกบริษัทกล่าวว่าไม่มีผู้ได้รับบาดเจ็บ และผู้โดยสารได้ย้ายไปยังเรือลำอื่นแล้ว",
        "เจ้าหน้าที่ท่าเรือกล่าวว่ากำลังตรวจสอบสาเหตุของไฟไหม้ครั้งนี้",
    ]),
}


@pytest.mark.parametrize("script", sorted(STORIES))
def test_a_story_in_any_script_is_an_article(script: str) -> None:
    cleaned = clean_html(STORIES[script], "https://news.example/2026/11/24/ferry/", None)
    assert cleaned.is_article, (script, cleaned.flags, cleaned.paragraphs)
    assert len(cleaned.paragraphs) >= 3


FRONTS = {
    "chinese": ["多佛渡轮停航", "伦敦地铁周末关闭", "议会通过新预算", "暴风雨袭击北部海岸", "球队赢得联赛冠军"],
    "urdu": ["ڈوور فیری سروس معطل", "لندن میں شدید بارش", "پارلیمان نے بجٹ منظور کر لیا", "ٹیم نے لیگ جیت لی"],
    "hindi": ["डोवर फेरी सेवा रुकी", "लंदन में भारी बारिश", "संसद ने बजट पारित किया", "टीम ने लीग जीती"],
}


@pytest.mark.parametrize("script", sorted(FRONTS))
def test_a_front_of_headlines_in_any_script_is_a_listing(script: str) -> None:
    html = page(script[:2], "News", FRONTS[script])
    cleaned = clean_html(html, "https://news.example/news/", None)
    assert "not_article" in cleaned.flags and "listing" in cleaned.flags, (script, cleaned.flags)


@pytest.mark.parametrize("line, prose_end, any_end", [
    ("渡轮已暂停运营。", True, True),
    ("他说：“完了。”", True, True),            # the mark inside closing quotes
    ("「港口已关闭。」", True, True),            # CJK corner brackets close it
    ("سروس معطل کر دی گئی۔", True, True),       # Urdu full stop
    ("سروس معطل شد.", True, True),
    ("هل تعود الخدمة؟", False, True),          # Arabic question mark: a headline may end so
    ("सेवा रोक दी गई।", True, True),             # Devanagari danda
    ("ဖယ်ရီ ရပ်နားလိုက်သည်။", True, True),       # Myanmar section mark
    ("Is the ferry back?", False, True),
    ("The ferry is back.", True, True),
    ("Ferry halted", False, False),
    ("多佛渡轮停航", False, False),
])
def test_sentence_ends_of_every_script(line: str, prose_end: bool, any_end: bool) -> None:
    assert ends_sentence(line) is prose_end and ends_with_mark(line) is any_end


def test_words_and_headlines_count_letters_of_every_script() -> None:
    assert words("डोवर फेरी सेवा रुकी") == 4          # vowel signs do not split a word
    assert words("多佛渡轮停航") == 6                   # one word per Chinese letter
    assert headline_like("डोवर फेरी सेवा रुकी") and headline_like("多佛渡轮停航")
    assert not headline_like("सेवा रोक दी गई।") and not headline_like("渡轮已暂停运营。")
    assert reads_as_prose("无人受伤。") and reads_as_prose("他说完了。然后离开")
    assert not reads_as_prose("首页 新闻 体育")
