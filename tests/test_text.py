from detector.text.segment import CAPTION, MAX_SENTENCE_CHARS, segment


def assert_offsets_exact(doc):
    last_end = -1
    for s in doc.sentences:
        assert doc.text[s.start : s.end] == s.text
        assert s.text == s.text.strip() and s.text
        assert s.start > last_end
        last_end = s.end - 1
    for p in doc.paragraphs:
        assert doc.text[p.start : p.end].strip()


def test_lines_split_before_sentences_so_captions_never_merge():
    text = "Putin (pictured) met Xi\nXi and Putin were pictured together\nThey spoke. Then they left."
    doc = segment(text)
    assert [s.text for s in doc.sentences] == [
        "Putin (pictured) met Xi",
        "Xi and Putin were pictured together",
        "They spoke.",
        "Then they left.",
    ]
    assert [s.paragraph for s in doc.sentences] == [0, 1, 2, 2]
    assert_offsets_exact(doc)


def test_offsets_with_crlf_blank_lines_and_indentation():
    text = "  First line here.\r\n\r\n\tSecond para. Two sentences!  \r\n"
    doc = segment(text)
    assert [s.text for s in doc.sentences] == ["First line here.", "Second para.", "Two sentences!"]
    assert len(doc.paragraphs) == 2
    assert_offsets_exact(doc)


def test_curly_and_straight_quotes_and_missing_space_after_quote():
    text = "He said \"Hello.\"She left. Putin called Xi his “dear friend”. Ushakov said it lasted'very positively'. Done."
    doc = segment(text)
    texts = [s.text for s in doc.sentences]
    assert texts[0] == 'He said "Hello."'
    assert texts[1] == "She left."
    assert "Putin called Xi his “dear friend”." in texts
    assert "Ushakov said it lasted'very positively'." in texts
    assert_offsets_exact(doc)


def test_abbreviations_do_not_split():
    doc = segment("Mr. Smith went to Washington D.C. on Monday. U.S. troops left.")
    assert len(doc.sentences) == 2


def test_an_exclamation_or_question_mark_before_a_lowercase_word_ends_no_sentence():
    def texts(text):
        return [s.text for s in segment(text).sentences]

    assert texts("He appeared on Jeopardy! last year and won. Then he lost.") == [
        "He appeared on Jeopardy! last year and won.",
        "Then he lost.",
    ]
    assert texts("“Get out!” she shouted. Was it fair? The court will say.") == [
        "“Get out!” she shouted.",
        "Was it fair?",
        "The court will say.",
    ]
    assert texts("The star of Kto Ya? wrapped the cops around his finger.") == ["The star of Kto Ya? wrapped the cops around his finger."]


def test_a_list_items_number_stays_with_its_item():
    def texts(text):
        return [s.text for s in segment(text).sentences]

    assert texts("1. The council met on Tuesday. It approved the budget.") == ["1. The council met on Tuesday.", "It approved the budget."]
    assert texts("- 1.4. Installation\n12. Arsenal beat Chelsea 2-1.") == ["- 1.4. Installation", "12. Arsenal beat Chelsea 2-1."]
    assert texts("The score was 3. Then it rained.") == ["The score was 3.", "Then it rained."]  # not at the line's start
    assert texts("2023. That was the year.") == ["2023.", "That was the year."]  # a year is no item number


def test_very_long_line_is_cut_into_bounded_sentences():
    text = ("word " * 3000).strip()  # 15,000 characters, no punctuation
    doc = segment(text)
    assert len(doc.sentences) > 1
    assert all(len(s.text) <= MAX_SENTENCE_CHARS for s in doc.sentences)
    assert_offsets_exact(doc)


def test_long_token_without_spaces_is_hard_cut():
    doc = segment("x" * (MAX_SENTENCE_CHARS * 2 + 5))
    assert [len(s.text) for s in doc.sentences] == [MAX_SENTENCE_CHARS, MAX_SENTENCE_CHARS, 5]
    assert_offsets_exact(doc)


def test_unicode_offsets_are_characters():
    text = "Ünïcödé 😀 test here. Él dijo “hola”.\nＦｕｌｌｗｉｄｔｈ line"
    doc = segment(text)
    assert_offsets_exact(doc)
    assert doc.sentences[-1].text == "Ｆｕｌｌｗｉｄｔｈ line"


def test_caption_ranges_mark_caption_sentences():
    text = "Body sentence one.\n\nA caption here"
    start = text.index("A caption")
    doc = segment(text, caption_ranges=[(start, len(text))])
    assert [s.kind for s in doc.sentences] == ["body", CAPTION]


def test_context_excludes_the_sentence_itself():
    doc = segment("One. Two. Three.")
    assert doc.context(1) == "One. Three."
    assert doc.context(0) == "Two."


def test_empty_and_whitespace_give_no_sentences():
    assert segment("").sentences == []
    assert segment(" \n\t\n ").sentences == []
