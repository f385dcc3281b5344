"""Line filters of cleaning.postclean / cleaning.clean_text, on copydesk's own fixture texts."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from copydesk.cleaning import clean_text
from copydesk.cleaning.postclean import fix_entities, fix_mojibake, is_boilerplate, is_code

P1 = ("The harbour council voted eleven to four on Tuesday night to extend the eastern tram line by six "
      "kilometres, ending a dispute that had stalled the project for almost two years.")
P2 = ("Engineers expect construction to begin in the autumn and the first trams to run by the end of 2027, "
      "the transport office said in a statement.")
P3 = ("Opponents argued that the cost would crowd out spending on bus routes in the northern suburbs, "
      "while supporters pointed to a survey of three thousand residents.")
ARTICLE = "\n".join([P1, P2, P3])


def test_js_tail_after_article_is_removed():
    text = ARTICLE + "\nHarbour Times Shop\n" + (
        '`; document.getElementById("linkPremium").innerHTML = cont; var divWithLink = document.getElementById("premium-link"); '
        'if (divWithLink !== null && divWithLink !== \'undefined\') { divWithLink.style.border = "solid 1px #cb0f3e"; '
        'divWithLink.style.textAlign = "center"; } } (function (v, i) { });')
    assert clean_text(text) == ARTICLE


def test_css_and_tracker_lines_are_code():
    assert is_code(".share a { color: #333; margin: 0 4px; }")
    assert is_code("window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}")
    assert is_code("googletag.cmd.push(function() { googletag.display('div-gpt-ad-1'); });")
    assert not is_code("The minister said the plan would cost 2 billion (about 1.8 billion euros) = a fifth of the budget.")
    assert not is_code(P1)


def test_entity_debris_from_machine_translated_repost():
    raw = ("\"This is an obvious violation of the agreed terms,quot; said the analyst, adding that &amp;quot;nobody "
           "expected it&amp;quot; and that it was the group&#39;s third statement.")
    assert clean_text(raw) == ("\"This is an obvious violation of the agreed terms\" said the analyst, adding that \"nobody "
                               "expected it\" and that it was the group's third statement.")
    assert fix_entities("Fish &amp;amp; chips") == "Fish & chips"
    assert fix_entities("AT&T and R&D stay") == "AT&T and R&D stay"


def test_mojibake_is_repaired():
    broken = "Der BÃ¼rgermeister erÃ¶ffnete den neuen Radweg am SamstagÂ â€“ bei Sonnenschein."
    assert fix_mojibake(broken) == "Der Bürgermeister eröffnete den neuen Radweg am Samstag\u00a0– bei Sonnenschein."
    assert clean_text(broken) == "Der Bürgermeister eröffnete den neuen Radweg am Samstag – bei Sonnenschein."
    # correct text with accents is left alone
    assert clean_text("Le café était fermé à Noël.") == "Le café était fermé à Noël."


def test_blogger_comment_tail_is_cut():
    assert clean_text(ARTICLE + "\nNo comments:\nPost a Comment") == ARTICLE


def test_wordpress_reply_form_and_comments_are_cut():
    tail = ("\nLeave a Reply\nYour email address will not be published. Required fields are marked *\nComment\nName *\n"
            "Greta P. says: I have been saying this for years and nobody at the council ever listens to any of us.")
    assert clean_text(ARTICLE + tail) == ARTICLE
    assert clean_text(ARTICLE + "\n3 thoughts on “Tram vote”\nGreat article, thanks for writing it up so clearly.") == ARTICLE


def test_comment_heading_early_in_text_drops_only_the_heading():
    text = "Comments\n" + ARTICLE
    assert clean_text(text) == ARTICLE


def test_comment_thread_longer_than_the_article_is_cut_at_its_heading():
    """The heading sits before the text's middle because the thread is long; the furniture after it
    ("3 hours ago", "Reply") says a thread starts there, so it goes with everything after it."""
    comments = [f"{n} hours ago\nReader number {n} thinks the council should have voted on this much earlier, "
                "and that the whole debate took far too long for such a simple question." for n in range(2, 9)]
    text = ARTICLE + "\nWhat readers say\n" + "\n".join(comments) + "\nReply"
    assert clean_text(text) == ARTICLE
    # German furniture ("vor 3 Stunden", "Antworten") is read the same way
    text = ARTICLE + "\n12 Kommentare\nvor 3 Stunden\n" + "Das hätte man viel früher entscheiden sollen, meint ein Leser. " * 20 + "\nAntworten"
    assert clean_text(text) == ARTICLE


def test_comment_heading_early_without_a_thread_after_it_drops_only_the_heading():
    text = ARTICLE.replace("\n", "\nComments\n", 1) + "\nThe council meets again on 3 March at 10:30 am."
    assert clean_text(text) == ARTICLE + "\nThe council meets again on 3 March at 10:30 am."


def test_calls_to_follow_the_sites_own_channels_and_apps_are_dropped():
    for line in ("Join our WhatsApp channel for the day's headlines!",
                 "¿Ya conoces nuestro canal de Telegram? Únete desde tu teléfono.",
                 "Folgen Sie unserem WhatsApp-Kanal für aktuelle Meldungen.",
                 "Get the Harbour Times apps for iOS and Android and never miss a story.",
                 "Want the morning briefing in your inbox? Sign up here"):
        assert clean_text(ARTICLE + "\n" + line) == ARTICLE, line
    # a channel in the news is prose: no "our", no call to sign up
    news = "The band's YouTube channel passed two million subscribers on Monday, its label said."
    assert clean_text(ARTICLE + "\n" + news) == ARTICLE + "\n" + news


def test_related_posts_list_with_site_names_and_leave_a_comment():
    text = ("My Blog\nWorld News\n\nTram line extension approved after late vote\n\n" + ARTICLE.replace("\n", "\n\n")
            + "\n\nJane Doe contributed reporting from the harbour.\n\nRelated posts\n\n"
              "Five things to know before the budget vote\n\nnewsconduit\n\n"
              "Why the price of butter doubled this winter | Money Desk\n\nnewsconduit\n\n"
              "Opinion: our parks need more benches\n\nnewsconduit\n\nLeave a Comment")
    assert clean_text(text) == ("Tram line extension approved after late vote\n" + ARTICLE
                                + "\nJane Doe contributed reporting from the harbour.")


def test_read_more_and_also_read_lines():
    text = "\n".join([P1, "Read more: Five things to know before the budget vote", "ALSO READ | Council in numbers", P2,
                      "You may also like", "The town that banned leaf blowers", "Inside the race to build a quieter engine", P3])
    assert clean_text(text) == ARTICLE


def test_copyright_reprint_and_originally_published_lines():
    text = "\n".join([ARTICLE, "© 2024 Harbour Times. All rights reserved.",
                      "This copy is for your personal, non-commercial use only.", "Order Reprints",
                      "Originally published by The Original Gazette",
                      "The post Tram vote appeared first on Riverside Notes."])
    assert clean_text(text) == ARTICLE


def test_share_subscribe_newsletter_and_follow_lines():
    text = "\n".join([P1, "Share this:", "Facebook Twitter WhatsApp Email", "Share on Facebook", P2,
                      "Sign up for our newsletter and get the day's top stories in your inbox.", "Subscribe",
                      "Follow us on Twitter and Instagram for the latest updates.", "Like this story? Share it with a friend!", P3])
    assert clean_text(text) == ARTICLE


def test_paywall_prompts():
    text = "\n".join([P1, P2, "Continue reading with a subscription", "This story is for subscribers only. Get unlimited "
                      "access for 99 cents a week.", "Already a subscriber? Log in", "Bereits Abonnent? Hier anmelden", P3])
    assert clean_text(text) == ARTICLE
    for keep in ("Already a subscriber to three services, she said the new one was not worth the price.",
                 "To continue reading the series, start with part one, which describes how the council first met.",
                 "Continue reading with care: the report's figures were revised twice."):
        assert clean_text(keep) == keep


def test_cookie_banner_lines():
    text = "\n".join(["We use cookies to improve your experience. By continuing to browse this site you agree to our use of cookies.",
                      "Accept all cookies", ARTICLE])
    assert clean_text(text) == ARTICLE


def test_photo_credits_standing_alone():
    text = "\n".join([P1, "Photo by Jane Roe/AFP via Getty Images", P2, "(Photo: Kai Lund/Northern Courier)",
                      "Image copyright Harbour Times", P3])
    assert clean_text(text) == ARTICLE


def test_ads_nav_dates_and_shortcodes():
    text = "\n".join(["Home > News > Local", "Advertisement", P1, "Story continues below advertisement", P2,
                      "Tuesday, 12 March 2024", "Updated at 1:23 p.m.",
                      '[button link="https://example.org/x" type="big"]Send us your photos of the new tram[/button]', P3,
                      "Harbour Times Shop"])
    assert clean_text(text) == "\n".join([P1, P2, "Send us your photos of the new tram", P3])


def test_legitimate_lines_are_kept():
    keep = [
        P1,
        "What happens next?",
        "The company said it would stop using cookies that track users across websites, a change that advertisers "
        "have long opposed and that regulators in several countries had requested.",
        "Comments from residents at the meeting were mostly positive, the mayor said afterwards.",
        "Related charges against two other men were dropped in March after the main witness withdrew.",
        "Copyright lawyers for the authors argued that the training of the model was not fair use.",
        "Twitter on Monday suspended the account of the harbour authority.",
        "Share prices fell sharply on Tuesday.",
        "Subscribers to the service rose to two million.",
        "Sign up rates for the program rose 20 percent last year.",
        "Published research shows 40 percent of adults sleep poorly.",
        "Copyright law is changing fast.",
        "Discussion",
        "Video-sharing apps grew 30 percent last year, the report said.",
        "Print it yourself at home using the template.",
        "Follow up on the report is expected next week.",
        "The council will vote again in June.",
        "— Reuters",
        "Falih Hassan contributed reporting from Baghdad.",
    ]
    assert clean_text("\n".join(keep)) == "\n".join(keep)


def test_whitespace_and_invisible_characters():
    raw = "  First\u00a0 paragraph\u200b with   spaces. \r\n\r\n\n\tSecond\u2028paragraph here.  "
    assert clean_text(raw) == "First paragraph with spaces.\nSecond\nparagraph here."


def test_boilerplate_rule_spot_checks():
    assert is_boilerplate("Copyright 2024 County Weekly. All rights reserved.")
    assert is_boilerplate("Click here to subscribe")
    assert is_boilerplate("Tags: council, transport")
    assert not is_boilerplate(P2)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_clean_text_is_total_and_normalised(raw):
    out = clean_text(raw)
    assert "\n\n" not in out
    assert out == out.strip()
    assert all(line == line.strip() and line for line in out.split("\n")) or out == ""


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([P1, P2, P3, "Share this:", "Related posts", "Advertisement", "Leave a Reply"]), max_size=8))
def test_clean_text_is_idempotent(lines):
    once = clean_text("\n".join(lines))
    assert clean_text(once) == once


def test_bylines_and_source_credits_standing_alone():
    text = "\n".join(["By Mara Lindqvist", P1, "From Harbour Wire", P2, "BY MARA LINDQVIST AND OLE BERG", P3])
    assert clean_text(text) == ARTICLE
    keep = "\n".join([P1, "By the end of May, the first rails had been laid.", "By contrast, the bus budget shrank."])
    assert clean_text(keep) == keep


# Pointers, lists, disclosures and comment headings in the languages copydesk meets most after English.
DE1 = ("Der Stadtrat hat am Dienstagabend mit elf zu vier Stimmen beschlossen, die östliche Straßenbahnlinie "
       "um sechs Kilometer zu verlängern, nachdem das Projekt fast zwei Jahre lang stillstand.")
DE2 = ("Die Ingenieure rechnen mit einem Baubeginn im Herbst und mit den ersten Fahrten bis Ende 2027, "
       "teilte das Verkehrsamt in einer Erklärung mit.")
ES1 = ("El consejo municipal aprobó el martes por la noche ampliar la línea de tranvía del este en seis "
       "kilómetros, tras casi dos años de disputa sobre el proyecto.")
ES2 = ("Los ingenieros esperan que las obras comiencen en otoño y que los primeros tranvías circulen a "
       "finales de 2027, según un comunicado de la oficina de transporte.")


def test_read_also_lines_and_story_lists_in_other_languages():
    de = "\n".join([DE1, "Lesen Sie auch: Fünf Dinge, die man vor der Haushaltsabstimmung wissen sollte", DE2,
                    "Auch interessant:", "Warum der Butterpreis sich verdoppelt hat", "Neue Bänke für den Stadtpark",
                    "*Werbung. Dieser Beitrag enthält Affiliate-Links."])
    assert clean_text(de) == "\n".join([DE1, DE2])
    es = "\n".join([ES1, "VEA TAMBIÉN: Cinco cosas que saber antes de la votación del presupuesto", ES2,
                    "Lea también: El pueblo que prohibió los sopladores de hojas", "Contenido Relacionado",
                    "Por qué se duplicó el precio de la mantequilla"])
    assert clean_text(es) == "\n".join([ES1, ES2])
    others = "\n".join([P1, "Leia também: O custo da nova linha", "À lire aussi : le tramway en chiffres",
                        "Czytaj też: Ile kosztuje nowa linia?", "Leggi anche: il tram in cifre", P2])
    assert clean_text(others) == "\n".join([P1, P2])


def test_comment_tail_newsletter_and_photo_credit_in_other_languages():
    text = "\n".join([DE1, "Foto: Kai Lund / Stadtanzeiger", DE2,
                      "Jetzt den Newsletter abonnieren und nichts mehr verpassen!",
                      "3 Kommentare", "Schöner Artikel, danke!", "Ich sehe das anders."])
    assert clean_text(text) == "\n".join([DE1, DE2])


def test_prose_in_other_languages_that_looks_like_furniture_is_kept():
    keep = [
        DE1,
        "Lesen können die meisten Kinder schon vor der Einschulung, sagt die Studie.",
        "Auch interessant ist, dass die Linie nachts fahren soll, wie der Bürgermeister sagte.",
        "Kommentare von Anwohnern bei der Versammlung waren überwiegend positiv, hieß es.",
        "Werbung für Zigaretten ist an Haltestellen seit 2020 verboten.",
        "Weitere Themen der Sitzung waren der Haushalt und die neue Schwimmhalle.",
        ES1,
        "Comentarios de los vecinos en la reunión fueron en su mayoría positivos.",
        "Foto de familia: el alcalde con los ingenieros tras la votación, en la plaza mayor de la ciudad.",
    ]
    assert clean_text("\n".join(keep)) == "\n".join(keep)


def test_teaser_lines_that_end_in_their_link_are_dropped():
    text = "\n".join([P1, P2, "More local news",
                      "The board chose a former port engineer to run the harbour authority. Full Story |",
                      "Members asked for more figures on the parking charges. Read more »",
                      "Die Sängerinnen proben zwei neue Werke für das Sommerkonzert. Weiterlesen",
                      "A new bakery opened in the old sorting office on Quay Street […]", P3])
    assert clean_text(text) == ARTICLE


def test_prose_ending_in_the_same_words_is_kept():
    keep = [P1, "Children who are read to at home every evening go on to read more as teenagers, the study found.",
            "The mayor said residents could see the full story of the project at the library exhibition.", P2]
    assert clean_text("\n".join(keep)) == "\n".join(keep)
