"""The shared PDF writer: Chinese text that can be read back, one sheet per page, text never read as markup."""
from server.common.pdf import Page, render
from tests.pdfs import pdf_pages


def test_chinese_text_is_in_the_document_and_each_page_is_a_sheet():
    letter = Page(title="流动党员返乡回执", number="HX-2026-0007", paragraphs=["张三同志已返回红星村党支部。"],
                  fields=[("党费缴至", "2026年10月")], table=(["月份", "金额（元）"], [["2026-10", "12.00"]]),
                  closing=["金山镇党委", "2026年12月1日"])
    pages = pdf_pages(render([letter, letter], title="回执"))
    assert len(pages) == 2
    for text in pages:
        for expected in ("流动党员返乡回执", "编号：HX-2026-0007", "张三同志已返回红星村党支部", "党费缴至",
                         "2026年10月", "金额（元）", "12.00", "金山镇党委"):
            assert expected in text


def test_text_that_looks_like_markup_is_printed_as_written():
    pages = pdf_pages(render([Page(title="<b>标题</b> & <font size=40>", paragraphs=["a < b & c > d"])], title="x"))
    assert "<b>标题</b> & <font size=40>" in pages[0]
    assert "a < b & c > d" in pages[0]


def test_an_empty_document_is_still_a_readable_pdf():
    assert pdf_pages(render([], title="空白"))[0].strip() == "空白"
