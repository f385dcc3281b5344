#!/usr/bin/env python3
"""Generate copydesk's own cleaning test set: tests/fixtures/cleaning/{cases.jsonl,html/*.html}.

    python bench/cleaning_fixtures.py [OUT_DIR]

Every article below is fiction written for copydesk (no third-party text). Each is rendered into a
page by one of several page templates that imitate common publishing systems and their clutter:
WordPress and Blogger blogs, news CMSs, old table layouts, content farms, long comment threads,
cookie banners, share bars, related-link lists, inline scripts, entity debris and mojibake. The
expected text of a page is the article body alone (no headline), paragraphs separated by "\\n",
the layout of tests/fixtures/cleaning/cases.jsonl that bench/extraction.py reads.

The output is committed; rerun this script after changing an article or a template.
"""
from __future__ import annotations

import html
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "cleaning"


@dataclass(frozen=True)
class Story:
    slug: str
    title: str
    author: str
    date: str
    paragraphs: tuple[str, ...]
    lang: str = "en"


STORIES: list[Story] = [
    Story("tram-vote", "Harbour council approves tram extension after late-night vote", "Mara Lindqvist", "2024-03-12", (
        "The Harbour District council voted eleven to four on Tuesday night to extend the eastern tram line by six kilometres, ending a dispute that had stalled the project for almost two years.",
        "The extension will link the ferry terminal with the new hospital campus on Quarry Hill. Engineers expect construction to begin in the autumn and the first trams to run by the end of 2027.",
        "Opponents argued that the estimated cost of 410 million crowns would crowd out spending on bus routes in the northern suburbs. Councillor Pia Ek said the city had \"chosen rails over neighbourhoods\".",
        "Supporters pointed to a survey of 3,000 residents in which two thirds said they would use the line at least once a week. The transport office will publish a detailed timetable in June.",
    )),
    Story("orchard-frost", "Late frost threatens apple harvest in the Vell valley", "Tomas Okafor", "2024-04-22", (
        "Growers in the Vell valley spent Sunday night lighting straw fires between their rows as temperatures fell to minus four degrees, the coldest April night recorded in the region since 1991.",
        "Blossom had opened two weeks earlier than usual after a mild March, leaving the flowers exposed. Agronomists at the regional extension service said losses could reach forty percent in low-lying orchards.",
        "\"You can do everything right and still lose the year in one night,\" said Ilse Marten, who farms twelve hectares of Braeburn and Elstar apples near the village of Dornau.",
        "The farmers' association has asked the provincial government to bring forward crop insurance payments. A decision is expected after inspectors finish their survey at the end of the month.",
    )),
    Story("library-robot", "City library lends out its first reading robot", "Anika Sorensen", "2023-11-03", (
        "The central library in Kestrel Bay has started lending a small reading robot to families with children who struggle with reading aloud.",
        "The robot, about the size of a shoebox, listens as a child reads a picture book and gently corrects mispronounced words. It stores nothing once the session ends, according to the library's technology officer, Raj Patel.",
        "Librarians say the waiting list already runs to ninety families. Each loan lasts two weeks, and the library plans to buy five more units if a pilot evaluation in the spring is positive.",
        "Some parents remain sceptical. \"My son needs a person who laughs at the funny parts,\" said one mother at a public meeting on Thursday, drawing applause from the audience.",
    )),
    Story("ferry-strike", "Island ferry crews announce 48-hour strike", "Jonas Whitfield", "2024-01-18", (
        "Crews on the three ferries serving Skarholm and the outer islands will strike for 48 hours from Monday morning after talks over rest periods broke down.",
        "The seafarers' union says new rosters leave some deck officers with less than nine hours between shifts. The operator, Nordsund Lines, says the rosters comply with maritime law and were agreed with crew representatives last year.",
        "Islanders have been told to expect no regular crossings during the strike. A single emergency vessel will remain on standby for medical transfers and deliveries of fuel.",
        "Shop owners on Skarholm said they had ordered extra stock over the weekend. The regional governor urged both sides to return to mediation before the strike begins.",
    )),
    Story("bridge-inspection", "Cracks found in 60-year-old river bridge, lorries banned", "Helen Marsh", "2024-02-07", (
        "Heavy goods vehicles have been banned from the Alder Street bridge after inspectors found cracks in two of its concrete support beams.",
        "The bridge, opened in 1964, carries around 18,000 vehicles a day across the river Lune. Cars, buses and cyclists may continue to use it while engineers carry out further tests.",
        "Lorry drivers now face a diversion of nearly eleven kilometres through the industrial estate at Farley. Haulage firms warned that deliveries to the town centre would take longer and cost more.",
        "The county roads department said a full replacement had been planned for 2031 but might have to be brought forward. Results of the latest tests are due within six weeks.",
    )),
    Story("choir-record", "Miners' choir sets record with 14-hour concert", "Daniel Achebe", "2023-09-30", (
        "A choir of former coal miners from the town of Pennant sang for fourteen hours without a break on Saturday, raising money for the local hospice.",
        "The 42 singers took turns resting in small groups so that the music never stopped. Their repertoire ran to 230 songs, from hymns and work songs to a closing medley of pop hits requested by the audience.",
        "\"Our voices are tired but our hearts are full,\" said conductor Gwen Rhys-Price, who is 81 and has led the choir since 1979.",
        "Organisers said the event raised more than 26,000 pounds. An adjudicator from a records organisation attended and is expected to confirm the new mark within a month.",
    )),
    Story("solar-school", "Village school becomes first to run entirely on solar power", "Priya Raman", "2024-05-14", (
        "The primary school in Little Ashby now produces all the electricity it uses from solar panels on its roof and a battery store in the former bicycle shed.",
        "Parents raised a third of the 95,000 pound cost through cake sales, a sponsored walk and an auction of paintings by pupils. A regional energy fund paid the rest.",
        "Pupils follow the system's output on a screen in the hall, and the school has built lessons on weather and electricity around the data. On sunny days it sells surplus power to the grid.",
        "The head teacher, Olu Bankole, said other schools in the district had already asked to visit. \"The children explain it better than I do,\" she said.",
    )),
    Story("data-breach", "Regional clinic network reports data breach affecting 40,000 patients", "Sam Okoro", "2024-06-02", (
        "A network of eleven outpatient clinics in the Westmarch region said on Friday that hackers had copied records belonging to about 40,000 patients.",
        "The stolen files include names, dates of birth and appointment histories, but not detailed medical notes, according to the network's chief executive, Dr Lena Vogt. Payment details are stored by a separate company and were not affected.",
        "The intrusion was discovered when staff noticed unusual activity on a scheduling server. The network has informed the data protection authority and hired an outside firm to investigate.",
        "Patients will receive letters over the coming two weeks. A telephone helpline has been set up, and the clinics advised patients to be wary of calls asking for personal information.",
    )),
    Story("wolf-return", "Wolves seen in lowland forest for first time in a century", "Erik Halvorsen", "2023-12-10", (
        "Camera traps in the Brenna forest have recorded a pair of wolves, the first confirmed sighting in the lowland part of the province in more than a hundred years.",
        "Wildlife officers believe the animals travelled from the mountains along the river corridor during the autumn. Footage shows them crossing a logging road at dusk on three separate nights.",
        "Sheep farmers on the forest edge have asked for help with fencing. The provincial environment office said compensation for any livestock losses would be paid under an existing scheme.",
        "Researchers from the state university plan to collect droppings to confirm the animals' origin through genetic tests. Results are expected early next year.",
    )),
    Story("bakery-fire", "Fire destroys century-old bakery on Market Street", "Ruth Castellanos", "2024-02-25", (
        "A fire in the early hours of Sunday destroyed the Holm family bakery on Market Street, which had been trading from the same building since 1921.",
        "Firefighters were called at about 3.40 a.m. and fought the blaze for four hours. Nobody was injured, although two families living in flats above neighbouring shops were evacuated as a precaution.",
        "The fire service said the cause was not yet known but did not appear to be suspicious. The building's timber roof collapsed shortly after crews arrived.",
        "By Sunday afternoon, customers had left flowers and handwritten notes at the barrier. The owners said they hoped to reopen elsewhere in the town while they decide whether to rebuild.",
    )),
    Story("chess-prodigy", "Eleven-year-old wins national chess title", "Marcus Bell", "2024-07-08", (
        "Eleven-year-old Aiyana Brooks became the youngest national chess champion in the country's history on Sunday, winning the final round with the black pieces.",
        "Brooks, who learned the game from her grandfather at the age of five, finished the nine-round tournament with seven points, half a point ahead of two grandmasters.",
        "Her final game lasted nearly five hours. Commentators praised a quiet rook move on the 31st turn that left her opponent without a good defence.",
        "Brooks said she planned to celebrate with ice cream and a day off school. The national federation will fund her travel to the world youth championship in October.",
    )),
    Story("water-price", "Water bills to rise by nine percent to pay for new pipes", "Ingrid Solberg", "2024-03-29", (
        "Households in the Marren water district will pay nine percent more for their water from July, the utility announced on Thursday.",
        "The money will finance the replacement of about 70 kilometres of cast iron mains laid in the 1950s, which account for most of the district's leaks. The utility says a fifth of the water it treats never reaches a tap.",
        "A typical family of four will pay around 54 crowns more per year. Low-income households can apply for a discount that will rise from fifteen to twenty percent.",
        "Consumer groups accepted the need for investment but asked why the work had been delayed for so long. The utility's board said earlier rate freezes had left it without reserves.",
    )),
    Story("marathon-heat", "Heat forces organisers to shorten city marathon", "Paolo Ricci", "2023-08-20", (
        "Organisers of the Eastport marathon cut the race to half its distance on Sunday morning as temperatures were forecast to reach 34 degrees by midday.",
        "The decision was announced at 5 a.m., two hours before the start. Runners received text messages and the course was changed to finish at the city stadium instead of the seafront.",
        "Medical teams treated 61 runners for heat exhaustion, most of them mildly. Three were taken to hospital as a precaution and released in the evening.",
        "Some participants criticised the late notice, but the race director said the safety of 9,000 runners came first. Entrants will be offered a discount for next year's event.",
    )),
    Story("startup-layoffs", "Delivery start-up cuts a third of its staff", "Chloe Nakamura", "2024-05-30", (
        "Parcelbee, a grocery delivery start-up founded four years ago, is laying off 220 of its 650 employees as it withdraws from three cities.",
        "The company's chief executive, Vikram Dhillon, told staff in a video call that growth had slowed and that investors wanted the firm to reach profitability by next summer.",
        "Couriers, who work as contractors, are not included in the headcount. Their union said hundreds of them would lose most of their income when the company stops operating in the affected cities next month.",
        "Parcelbee raised 80 million euros in its last funding round. It will keep its operations in the capital and in the two largest university towns.",
    )),
    Story("museum-theft", "Museum recovers stolen medieval manuscript", "Fatima Zahra Idrissi", "2024-01-09", (
        "A fourteenth-century illuminated manuscript stolen from the Hollin Abbey museum eleven years ago has been returned after it appeared in an online auction.",
        "An art historian who follows the trade noticed the distinctive blue initials in the sale photographs and alerted the museum. The auction house withdrew the lot and contacted the police.",
        "The seller said he had bought the book in good faith at a house clearance. Police said no charges would be brought against him.",
        "The manuscript, a book of psalms with gold leaf decoration, will go back on display in March after conservators check its binding.",
    )),
    Story("hospital-waits", "Emergency waiting times fall after new triage system", "Benedikt Aurel", "2024-04-04", (
        "Average waiting times at the emergency department of St Brigid's hospital fell from four hours to two hours and forty minutes in the first quarter of the year.",
        "The hospital introduced a system in January in which a senior nurse and a doctor assess patients together on arrival, sending minor cases to a separate clinic within the building.",
        "Staff surveys suggest morale has improved, although nurses say the clinic is understaffed at weekends. The hospital plans to recruit six more nurses by the summer.",
        "Health officials said they would study the results before recommending the model to other hospitals in the region.",
    )),
    Story("rail-delays", "Signal failure causes rush-hour chaos on northern line", "Grace Mwangi", "2024-06-19", (
        "Thousands of commuters were stranded on Wednesday morning when a signal failure near Colter Junction halted all trains on the northern line for almost three hours.",
        "The rail operator said a cable had been damaged by water after heavy overnight rain. Engineers restored a reduced service at about 9.30 a.m. and full service by early afternoon.",
        "Replacement buses were overwhelmed, and many passengers walked along the main road into the city. Some schools reported that teachers had been unable to reach their classrooms.",
        "The operator apologised and said passengers delayed by more than an hour could claim a full refund of their fare.",
    )),
    Story("coffee-coop", "Coffee cooperative opens roastery in hill town", "Lucía Fernández", "2023-10-15", (
        "A cooperative of 140 small coffee growers has opened its own roastery in the hill town of San Aurelio, hoping to earn more from each harvest.",
        "Until now members sold green beans to exporters at prices set on international markets. Roasting and packing locally lets them sell directly to cafés and shops in the capital.",
        "The cooperative borrowed money from a development bank to buy two roasting machines and trained twelve young people from the town to run them.",
        "Its president, Ernesto Vidal, said the first batches had sold out within a week. The cooperative hopes to export roasted coffee to neighbouring countries within three years.",
    )),
    Story("storm-damage", "Storm cuts power to 30,000 homes along the coast", "Owen Pritchard", "2024-11-02", (
        "About 30,000 homes along the southern coast were left without electricity on Saturday after a storm brought gusts of up to 120 kilometres per hour.",
        "Fallen trees blocked several roads, and a caravan park near Selby Point was evacuated when the sea wall was overtopped at high tide.",
        "The grid operator said most customers should be reconnected by Sunday evening, but some rural areas could wait until Tuesday. Crews from neighbouring regions have been sent to help.",
        "The weather service has issued a further warning for strong winds on Monday. Residents were urged to secure garden furniture and avoid the seafront.",
    )),
    Story("vaccine-campaign", "Pharmacies to offer free flu vaccines from October", "Nadia Haddad", "2024-09-12", (
        "Pharmacies across the province will offer free flu vaccinations to everyone over 60 and to people with chronic illnesses from the first week of October.",
        "Until this year, the free vaccine was only available from family doctors, which health officials say discouraged many eligible people from getting it.",
        "About 600 pharmacies have signed up. Patients can book online or simply walk in, and pharmacists will record each vaccination in the national health register.",
        "Last winter, only 52 percent of people over 65 in the province were vaccinated against flu, well below the target of 75 percent.",
    )),
    Story("football-stadium", "Club unveils plans for 25,000-seat stadium", "Kwame Asante", "2024-08-27", (
        "Riverside Athletic presented plans on Tuesday for a 25,000-seat stadium on the site of a disused gasworks north of the city centre.",
        "The club has played at its current ground, which holds 11,000 spectators, since 1908. Its owners say the move is necessary if the team is to compete in the top division.",
        "The design includes a roof of translucent panels, a public square and 300 new homes. Residents' groups have raised concerns about traffic on match days and the loss of a popular allotment site.",
        "A planning application will be submitted in the new year. If approved, the stadium could open for the 2028 season.",
    )),
    Story("bees-rooftops", "Office towers turn rooftops into bee gardens", "Sofia Marchetti", "2024-05-05", (
        "Nine office buildings in the financial district have installed beehives and wildflower beds on their roofs as part of a scheme to support pollinators in the city.",
        "The hives are managed by a local beekeeping association, whose members visit every two weeks. Tenants can sign up for short courses and buy the honey in the building lobbies.",
        "Ecologists cautioned that too many honeybees could compete with wild bees for flowers. The scheme's organisers said they had limited the number of hives and planted species that favour wild pollinators.",
        "The city plans to map all green roofs next year to understand how they connect with parks and gardens.",
    )),
    Story("tax-reform", "Finance minister proposes simpler income tax", "Alexander Petrov", "2024-10-01", (
        "The finance minister on Monday proposed replacing the country's five income tax bands with three, in what she called the biggest simplification of the system in thirty years.",
        "Under the plan, the lowest rate would fall from 14 to 12 percent and the top rate would stay at 45 percent. The threshold for the top rate would rise by about ten percent.",
        "Economists said most households would pay slightly less, while the government would lose about 2 billion in annual revenue. The minister said the cost would be covered by closing exemptions for company cars and second homes.",
        "The proposal needs the support of at least one opposition party to pass parliament. Debate is expected to begin in November.",
    )),
    Story("archive-digitised", "Newspaper archive of 150 years goes online", "Hannah Okonkwo", "2024-03-03", (
        "The complete archive of the Lowmoor Gazette, from its first issue in 1874 to its last printed edition in 2019, is now searchable online free of charge.",
        "Volunteers and library staff scanned more than 400,000 pages over four years. Software converted the pages into searchable text, which volunteers then checked for errors.",
        "Historians say the archive records everyday life in the mill towns in unusual detail, including advertisements, court reports and letters from readers.",
        "The county library, which led the project, will hold workshops on how to use the archive for family history research.",
    )),
    Story("hydrogen-bus", "Hydrogen buses join city fleet after trial", "Lars Eriksen", "2024-02-14", (
        "Twenty hydrogen-powered buses entered regular service in Norrvik on Monday after a two-year trial with four vehicles.",
        "The buses are refuelled at a station next to the depot, where hydrogen is produced by electrolysis using power from a nearby wind farm. Each bus can run about 400 kilometres on a full tank.",
        "Drivers say the buses are quieter than diesel models and accelerate more smoothly. Passengers interviewed at the central station mostly said they had not noticed a difference.",
        "The transport authority admits the buses cost more than battery-electric models but says they suit its longest routes, which run into the mountains.",
    )),
    Story("noise-airport", "Airport agrees to ban night flights from 2026", "Emma Laurent", "2024-07-21", (
        "Westfield airport will stop scheduling flights between 11 p.m. and 6 a.m. from April 2026, ending a decade-long dispute with residents living under its flight paths.",
        "The agreement was reached after mediation involving the regional government, two airlines and a residents' association representing about 12,000 households.",
        "In exchange, the airport will be allowed to add a limited number of daytime flights. Airlines warned that some holiday routes might move to other airports.",
        "Residents' spokesperson Jean-Marc Duval said the deal was not perfect but would \"give people back their sleep\".",
    )),
    Story("volunteer-divers", "Volunteer divers pull two tonnes of rubbish from harbour", "Yusuf Demir", "2024-06-09", (
        "More than 80 volunteer divers spent Saturday clearing the bottom of the old harbour in Kalmsted, bringing up about two tonnes of rubbish.",
        "Among the finds were bicycles, shopping trolleys, car tyres, a safe with nothing inside and hundreds of glass bottles. Several fishing nets were cut away from the harbour wall.",
        "The clean-up was organised by a local diving club, which holds one every year. Harbour authorities closed the inner basin to boats during the dive.",
        "Marine biologists who joined the divers said they had seen more fish and crabs than in previous years, a sign that water quality is improving.",
    )),
    Story("theatre-reopens", "Historic theatre reopens after six-year restoration", "Beatrice Olsen", "2023-11-25", (
        "The Palace Theatre in Drummond reopened on Friday night after a six-year restoration that cost 38 million and returned its auditorium to its 1912 colours.",
        "Craftspeople restored the painted ceiling, the gilded boxes and the original stage machinery, which can once again lower scenery by hand. New seats are wider and there is now a lift to every level.",
        "The opening production, a revival of a local comedy from the 1920s, played to a full house of 1,100 people.",
        "The theatre's director said the building would host concerts, school performances and community events as well as touring productions.",
    )),
    # Non-English stories (written for copydesk).
    Story("de-radweg", "Neuer Radweg entlang des Kanals eröffnet", "Katrin Vogel", "2024-05-18", (
        "Am Samstag ist der neue Radweg entlang des Lindenkanals offiziell eröffnet worden. Die Strecke verbindet auf sieben Kilometern die Altstadt mit dem Gewerbegebiet im Osten.",
        "Der Bau hat knapp zwei Jahre gedauert und rund 4,5 Millionen Euro gekostet. Ein Großteil des Geldes stammt aus einem Förderprogramm des Landes für klimafreundliche Mobilität.",
        "Bei der Eröffnung fuhren mehrere hundert Menschen die Strecke ab. Viele lobten die breite Fahrbahn und die neue Beleuchtung, kritisierten aber fehlende Abstellplätze am Bahnhof.",
        "Die Stadtverwaltung kündigte an, bis zum Herbst weitere zweihundert Fahrradbügel aufzustellen.",
    ), lang="de"),
    Story("es-mercado", "El mercado central celebra su centenario", "Carmen Ruiz", "2024-04-12", (
        "El mercado central de Valdemora celebró el sábado sus cien años con una jornada de puertas abiertas, música en directo y degustaciones en todos los puestos.",
        "El edificio, de hierro y cristal, se inauguró en 1924 y fue restaurado hace una década. Hoy alberga a 64 comerciantes, muchos de ellos de la tercera o cuarta generación.",
        "La alcaldesa anunció que el ayuntamiento ampliará el horario de apertura los viernes y que instalará placas solares en la cubierta el próximo año.",
        "Los comerciantes confían en que la celebración atraiga a más jóvenes, que hoy compran sobre todo en los supermercados de las afueras.",
    ), lang="es"),
    Story("fr-vendanges", "Des vendanges précoces dans la vallée", "Julien Marchand", "2024-08-29", (
        "Les vendanges ont commencé avec dix jours d'avance dans la vallée de l'Arve, après un été particulièrement chaud et sec.",
        "Les viticulteurs se disent satisfaits de la qualité du raisin, mais les rendements sont en baisse d'environ quinze pour cent par rapport à l'an dernier.",
        "La coopérative locale a dû recruter des saisonniers plus tôt que prévu. Certains domaines ont choisi de récolter la nuit pour éviter la chaleur.",
        "Le syndicat des vignerons estime que le millésime pourrait être excellent si les fermentations se déroulent bien.",
    ), lang="fr"),
    Story("mountain-rescue", "Hikers rescued after two nights on ridge", "Oskar Nilsen", "2024-09-03", (
        "Two hikers who had been missing for two nights were found alive on Monday on a ridge below the summit of Mount Orrin.",
        "The pair, a father and his adult daughter, had left a marked trail in fog on Saturday and become trapped above a steep slope. They sheltered behind rocks and shared the food in their packs.",
        "A rescue helicopter spotted the reflection of a survival blanket shortly after the weather cleared. Both were flown to hospital with mild hypothermia.",
        "The mountain rescue service reminded walkers to carry a charged phone, warm clothing and a map, and to tell someone their route before setting out.",
    )),
]

# ----------------------------------------------------------------------------- clutter

NAV = ["Home", "News", "Politics", "Business", "Sport", "Culture", "Opinion", "Contact"]
OTHER_HEADLINES = [
    "Five things to know before the budget vote",
    "Inside the race to build a quieter jet engine",
    "Why the price of butter doubled this winter",
    "Photos: the week in pictures",
    "The town that banned leaf blowers",
    "Opinion: our parks need more benches",
]
COMMENTS = [
    ("Greta P.", "I have been saying this for years and nobody at the council ever listens. Maybe now something will finally change, but I will believe it when I see it with my own eyes."),
    ("northern_lad", "Does anyone know whether the figures in the report were adjusted for inflation? It makes a big difference to how you read the comparison with last year."),
    ("Hal", "Great reporting as always. My family has lived here for three generations and this is the first time I can remember anything like it."),
    ("Marguerite", "The comments here are getting out of hand. Please keep it civil, people, we are all neighbours after all and we will still see each other at the market."),
    ("T. Brandt", "I read the whole thing twice and I still do not understand who is going to pay for all of this in the end. Probably the same people as always."),
    ("curious_cat", "Interesting article. I would love a follow-up piece in six months to see whether any of the promises were kept."),
]


def esc(s: str) -> str:
    return html.escape(s, quote=False)


def ps(story: Story, tag: str = "p") -> str:
    return "\n".join(f"<{tag}>{esc(p)}</{tag}>" for p in story.paragraphs)


def head(story: Story, site: str, extra: str = "") -> str:
    return (f"<!DOCTYPE html><html lang=\"{story.lang}\"><head><meta charset=\"utf-8\">"
            f"<title>{esc(story.title)} | {site}</title>"
            f"<meta name=\"author\" content=\"{esc(story.author)}\">"
            f"<meta property=\"og:title\" content=\"{esc(story.title)}\">"
            f"<meta property=\"og:site_name\" content=\"{site}\">"
            f"<meta property=\"article:published_time\" content=\"{story.date}T08:00:00Z\">"
            f"<link rel=\"canonical\" href=\"https://{site.lower().replace(' ', '')}.example/{story.slug}\">"
            f"<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}} gtag('js', new Date());</script>"
            f"<style>.nav li {{ display: inline; margin: 0 4px; }} .share a {{ color: #333; }}</style>{extra}</head>")


def nav_html() -> str:
    return "<nav class=\"menu\"><ul>" + "".join(f"<li><a href=\"/{n.lower()}\">{n}</a></li>" for n in NAV) + "</ul></nav>"


def link_list(items: list[str], cls: str = "related") -> str:
    return f"<ul class=\"{cls}\">" + "".join(f"<li><a href=\"/{i}\">{esc(h)}</a></li>" for i, h in enumerate(items)) + "</ul>"


def comments_html(n: int = 6, heading: str = "Comments") -> str:
    items = "".join(
        f"<li class=\"comment\"><div class=\"comment-author\">{esc(a)}</div><div class=\"comment-body\"><p>{esc(t)}</p></div>"
        f"<a class=\"reply\" href=\"#\">Reply</a></li>" for a, t in (COMMENTS * 3)[:n])
    return f"<section id=\"comments\" class=\"comments\"><h2>{heading}</h2><ol class=\"comment-list\">{items}</ol></section>"


def footer_html(site: str) -> str:
    return (f"<footer><p>© 2024 {site}. All rights reserved.</p>"
            "<p><a href=\"/privacy\">Privacy policy</a> | <a href=\"/terms\">Terms of use</a> | <a href=\"/contact\">Contact us</a></p></footer>")


# ----------------------------------------------------------------------------- templates


def t_wordpress(s: Story) -> str:
    site = "Riverside Notes"
    return (head(s, site) + "<body class=\"single-post\"><header class=\"site-header\"><p class=\"site-title\">Riverside Notes</p>"
            + nav_html() + "</header><div id=\"content\"><main id=\"main\"><article class=\"post type-post hentry\">"
            f"<header class=\"entry-header\"><h1 class=\"entry-title\">{esc(s.title)}</h1><div class=\"entry-meta\">Posted on {s.date} by {esc(s.author)}</div></header>"
            f"<div class=\"entry-content\">{ps(s)}"
            "<div class=\"sharedaddy\"><h3>Share this:</h3><ul><li><a href=\"#\">Twitter</a></li><li><a href=\"#\">Facebook</a></li><li><a href=\"#\">Email</a></li></ul></div>"
            "<div class=\"jp-relatedposts\"><h3>Related</h3>" + link_list(OTHER_HEADLINES[:3]) + "</div></div>"
            "<footer class=\"entry-footer\">Posted in <a href=\"#\">Local</a> | Tagged <a href=\"#\">council</a>, <a href=\"#\">transport</a></footer></article>"
            + comments_html(5, f"5 thoughts on &ldquo;{esc(s.title)}&rdquo;")
            + "<div id=\"respond\"><h3 id=\"reply-title\">Leave a Reply</h3><form><p>Your email address will not be published. Required fields are marked *</p>"
            "<p><label>Comment</label><textarea></textarea></p><p><label>Name *</label><input></p><p><input type=\"submit\" value=\"Post Comment\"></p></form></div>"
            "</main><aside id=\"secondary\"><h2>Recent Posts</h2>" + link_list(OTHER_HEADLINES[2:]) + "</aside></div>"
            + footer_html(site) + "</body></html>")


def t_blogger(s: Story) -> str:
    site = "Valley Dispatch Blog"
    body = "<br /><br />".join(esc(p) for p in s.paragraphs)
    return (head(s, site) + "<body><div class=\"header\"><h1><a href=\"/\">Valley Dispatch</a></h1><p class=\"description\">News and views from the valley</p></div>"
            "<div class=\"main-inner\"><div class=\"date-outer\"><h2 class=\"date-header\"><span>Tuesday, " + s.date + "</span></h2>"
            f"<div class=\"post hentry\"><h3 class=\"post-title entry-title\">{esc(s.title)}</h3>"
            f"<div class=\"post-body entry-content\">{body}<div style=\"clear: both;\"></div></div>"
            f"<div class=\"post-footer\"><span class=\"post-author\">Posted by {esc(s.author)}</span> at <span class=\"post-timestamp\">10:15 AM</span>"
            "<div class=\"post-share-buttons\"><a href=\"#\">Email This</a><a href=\"#\">BlogThis!</a><a href=\"#\">Share to Twitter</a><a href=\"#\">Share to Facebook</a></div>"
            "<span class=\"post-labels\">Labels: <a href=\"#\">local</a>, <a href=\"#\">news</a></span></div></div></div>"
            "<div class=\"comments\" id=\"comments\"><h4>No comments:</h4><p class=\"comment-footer\"><a href=\"#\">Post a Comment</a></p></div>"
            "<div class=\"blog-pager\"><a href=\"#\">Newer Post</a> <a href=\"#\">Older Post</a> <a href=\"/\">Home</a></div>"
            "<div class=\"post-feeds\">Subscribe to: <a href=\"#\">Post Comments (Atom)</a></div></div>"
            "<div class=\"sidebar\"><h2>Popular Posts</h2>" + link_list(OTHER_HEADLINES) + "<h2>Blog Archive</h2><ul><li>2024 (41)</li><li>2023 (57)</li></ul></div>"
            "<div class=\"footer\">Powered by Blogger.</div></body></html>")


def t_newscms(s: Story) -> str:
    site = "The Northern Courier"
    paras = list(s.paragraphs)
    mid = len(paras) // 2
    body = "".join(f"<p>{esc(p)}</p>" for p in paras[:mid])
    body += f"<p class=\"read-more\"><strong>Read more:</strong> <a href=\"#\">{esc(OTHER_HEADLINES[0])}</a></p>"
    body += "<div class=\"ad-slot\"><span>Advertisement</span><div id=\"div-gpt-ad-1\"></div></div>"
    body += "".join(f"<p>{esc(p)}</p>" for p in paras[mid:])
    return (head(s, site) + "<body><div id=\"cookie-banner\" class=\"consent\"><p>We use cookies to improve your experience. By continuing to browse this site you agree to our use of cookies.</p><button>Accept all cookies</button></div>"
            "<header><a class=\"logo\" href=\"/\">The Northern Courier</a>" + nav_html() + "</header>"
            "<div class=\"breadcrumb\"><a href=\"/\">Home</a> &gt; <a href=\"/news\">News</a> &gt; <a href=\"/news/local\">Local</a></div>"
            f"<main><article><h1>{esc(s.title)}</h1><div class=\"byline\">By <a href=\"#\">{esc(s.author)}</a> | {s.date}</div>"
            "<figure><img src=\"/img/lead.jpg\" alt=\"\"><figcaption>The scene on Tuesday. Photo: Kai Lund/Northern Courier</figcaption></figure>"
            f"<div class=\"article-body\">{body}</div>"
            "<div class=\"newsletter-box\"><h3>Get the morning briefing</h3><p>Sign up for our newsletter and get the day's top stories in your inbox.</p><form><input type=\"email\"><button>Subscribe</button></form></div>"
            "<div class=\"share-bar\"><a href=\"#\">Share on Facebook</a> <a href=\"#\">Share on Twitter</a> <a href=\"#\">Email</a></div>"
            "</article><aside class=\"most-read\"><h2>Most read</h2>" + link_list(OTHER_HEADLINES, "most-read-list") + "</aside></main>"
            + footer_html(site) + "</body></html>")


def t_table(s: Story) -> str:
    site = "County Weekly"
    body = "<br><br>\n".join(esc(p) for p in s.paragraphs)
    navcell = "<br>".join(f"<a href=\"/{n.lower()}\">{n}</a>" for n in NAV)
    return (head(s, site) + "<body bgcolor=\"#ffffff\"><table width=\"100%\" border=\"0\" cellpadding=\"4\">"
            "<tr><td colspan=\"2\"><font size=\"5\"><b>County Weekly</b></font><br><font size=\"1\">Serving the county since 1952</font></td></tr>"
            f"<tr><td width=\"150\" valign=\"top\" bgcolor=\"#eeeeee\"><font size=\"2\">{navcell}</font></td>"
            f"<td valign=\"top\"><font size=\"4\"><b>{esc(s.title)}</b></font><br><font size=\"2\"><i>by {esc(s.author)}, staff writer</i></font><br><br>"
            f"<font face=\"Arial\" size=\"2\">{body}</font><br><br><center><a href=\"/\">Back to top</a></center></td></tr>"
            "<tr><td colspan=\"2\" align=\"center\"><font size=\"1\">Copyright 2024 County Weekly. All rights reserved. Reproduction without permission is prohibited.</font></td></tr>"
            "</table></body></html>")


def t_long_comments(s: Story) -> str:
    site = "Metro Forum News"
    return (head(s, site) + "<body><header>" + nav_html() + "</header><main><article class=\"story\">"
            f"<h1>{esc(s.title)}</h1><p class=\"meta\">{esc(s.author)} &middot; {s.date}</p><div class=\"story-text\">{ps(s)}</div></article>"
            + comments_html(18, "Reader comments (18)") + "<p><a href=\"#\">Load more comments</a></p></main>" + footer_html(site) + "</body></html>")


def t_cookie_main(s: Story) -> str:
    site = "Coastline Today"
    return (head(s, site) + "<body><div class=\"cookie-notice\" role=\"dialog\"><p>This website uses cookies to ensure you get the best experience on our website. "
            "<a href=\"/cookies\">Cookie policy</a></p><button>Accept</button><button>Manage preferences</button></div>"
            "<a class=\"skip\" href=\"#main\">Skip to main content</a><header>" + nav_html() + "</header>"
            f"<main id=\"main\"><h1>{esc(s.title)}</h1><p class=\"dateline\">{s.date}</p>{ps(s)}"
            "<p class=\"copyright\">Copyright © 2024 Coastline Today Media Group</p></main>"
            "<aside><h3>You may also like</h3>" + link_list(OTHER_HEADLINES[1:5]) + "</aside>" + footer_html(site) + "</body></html>")


def t_inline_script(s: Story) -> str:
    site = "Capital Post"
    paras = list(s.paragraphs)
    body = f"<p>{esc(paras[0])}</p><script>googletag.cmd.push(function() {{ googletag.display('div-gpt-ad-2'); }});</script>"
    body += "".join(f"<p>{esc(p)}</p>" for p in paras[1:])
    body += "<p>Capital Post Store</p>"
    # script text that a broken template printed as text instead of running it
    body += ("<div class=\"premium\">`; document.getElementById(\"linkPremium\").innerHTML = cont; var divWithLink = document.getElementById(\"premium-link\"); "
             "if (divWithLink !== null) { divWithLink.style.border = \"solid 1px #cb0f3e\"; divWithLink.style.textAlign = \"center\"; } (function (v, i) { });</div>")
    return (head(s, site) + "<body><header>" + nav_html() + "</header><div class=\"container\"><div class=\"article\">"
            f"<h1>{esc(s.title)}</h1><div class=\"author\">{esc(s.author)}</div><div class=\"article-text\">{body}</div></div>"
            "<div class=\"sidebar\"><h4>Trending now</h4>" + link_list(OTHER_HEADLINES[:4]) + "</div></div>"
            "<script>(function(){ var s = document.createElement('script'); s.src = '/ads.js'; document.body.appendChild(s); })();</script>"
            + footer_html(site) + "</body></html>")


def t_content_farm(s: Story) -> str:
    site = "newsconduit"
    return (head(s, site) + "<body><header><p class=\"site-title\">My Blog</p><p class=\"cat\">World News</p></header>"
            f"<article><h1>{esc(s.title)}</h1><div class=\"entry\">{ps(s)}</div>"
            "<div class=\"related-posts\"><h3>Related posts</h3>"
            + "".join(f"<div class=\"rp\"><h4><a href=\"#\">{esc(h)}</a></h4><span class=\"by\">newsconduit</span></div>" for h in OTHER_HEADLINES[:3])
            + "</div></article><div class=\"comment-respond\"><h3>Leave a Comment</h3><form><textarea></textarea><p>Save my name, email, and website in this browser for the next time I comment.</p></form></div>"
            "<footer><p>Copyright © 2024 newsconduit | Powered by a WordPress theme</p></footer></body></html>")


def t_entity_debris(s: Story) -> str:
    """A machine-translated repost: quotes double-escaped (&amp;quot;) or mangled (,quot;)."""
    site = "World Reposts"
    out = []
    for i, p in enumerate(s.paragraphs):
        if '"' in p:
            # Every other quoted paragraph uses ",quot;" debris for its closing quote.
            first, rest = p.split('"', 1)
            if i % 2:
                body = esc(first) + "&amp;quot;" + esc(rest).replace('"', "&amp;quot;")
            else:
                body = esc(first) + "&amp;quot;" + esc(rest).replace('"', ",quot;", 1)
        else:
            body = esc(p).replace("'", "&amp;#39;")
        out.append(f"<p>{body}</p>")
    return (head(s, site) + "<body><div id=\"top\">" + nav_html() + "</div>"
            f"<div class=\"post\"><h2>{esc(s.title)}</h2><div class=\"post-content\">{''.join(out)}</div>"
            f"<p class=\"source\">Originally published by The Original Gazette</p></div>" + footer_html(site) + "</body></html>")


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("cp1252", errors="replace")


def t_mojibake(s: Story) -> str:
    """A scraper repost that decoded UTF-8 as windows-1252 before publishing."""
    site = "Feed Mirror"
    body = "".join(f"<p>{esc(_mojibake(p))}</p>" for p in s.paragraphs)
    return (head(s, site) + f"<body><div class=\"wrap\"><h1>{esc(s.title)}</h1><div class=\"content\">{body}</div>"
            "<div class=\"tags\">Tags: <a href=\"#\">europe</a> <a href=\"#\">local</a></div>"
            "<div class=\"share\">Share: <a href=\"#\">Facebook</a> <a href=\"#\">Twitter</a> <a href=\"#\">WhatsApp</a></div></div>"
            + footer_html(site) + "</body></html>")


def t_split_body(s: Story) -> str:
    """Body split by ad and promo containers into several sibling blocks."""
    site = "Signal Magazine"
    blocks = []
    for i, p in enumerate(s.paragraphs):
        blocks.append(f"<div class=\"body-chunk\"><p>{esc(p)}</p></div>")
        if i == 0:
            blocks.append("<div class=\"inline-promo\"><span>Advertisement</span></div>")
        if i == 1:
            blocks.append(f"<aside class=\"inline-recirc\"><h4>More from Signal</h4>{link_list(OTHER_HEADLINES[3:6])}</aside>")
    return (head(s, site) + "<body><header>" + nav_html() + "</header><main><article>"
            f"<header><h1>{esc(s.title)}</h1><p class=\"byline\">{esc(s.author)}</p><p class=\"date\">{s.date}</p></header>"
            + "".join(blocks) + "<div class=\"paywall-note\"><p>This copy is for your personal, non-commercial use only.</p><p>Order Reprints</p></div>"
            "</article></main>" + footer_html(site) + "</body></html>")


def t_photo_credits(s: Story) -> str:
    site = "Daily Ledger"
    parts = []
    for i, p in enumerate(s.paragraphs):
        parts.append(f"<p>{esc(p)}</p>")
        if i == 1:
            parts.append("<p class=\"credit\">Photo by Jane Roe/AFP via Getty Images</p>")
    return (head(s, site) + "<body><header>" + nav_html() + "</header><article class=\"article\">"
            f"<h1>{esc(s.title)}</h1><p class=\"byline\">By {esc(s.author)}</p><div class=\"body\">{''.join(parts)}"
            "<p><em>Follow us on Twitter and Instagram for the latest updates.</em></p></div>"
            "<div class=\"tags\"><span>Topics:</span> <a href=\"#\">weather</a> <a href=\"#\">region</a></div></article>"
            + footer_html(site) + "</body></html>")


TEMPLATES = [
    ("wordpress", t_wordpress), ("blogger", t_blogger), ("newscms", t_newscms), ("table", t_table),
    ("longcomments", t_long_comments), ("cookie", t_cookie_main), ("inlinescript", t_inline_script),
    ("contentfarm", t_content_farm), ("entities", t_entity_debris), ("mojibake", t_mojibake),
    ("splitbody", t_split_body), ("photocredits", t_photo_credits),
]


# ----------------------------------------------------------------------------- layouts of issue 15
# Longer stories (250-350 words) in layouts the templates above do not use: layout tables whose
# rows hold page furniture, promo boxes inside the article column, comment threads in the
# article's own container, teaser-list and results sidebars, short briefs, broken markup.

LONG_STORIES: list[Story] = [
    Story("canal-lock", "Century-old canal lock reopens after two-year restoration", "Elin Barsky", "2024-05-06", (
        "The Greyhaven canal lock, closed since a gate collapsed in the spring of 2022, reopened to boats on Saturday after a restoration that cost the waterways trust almost four million crowns.",
        "Volunteers in waders cheered as the first narrowboat, a green and red cargo vessel built in 1931, rose slowly through the chamber while its owner rang a brass bell.",
        "The original oak gates had rotted where they met the stone sill. Carpenters from the trust's workshop in Millbrook spent eleven months shaping new gates from timber felled in the county's own forests, using drawings kept in the lock keeper's cottage since the 1890s.",
        "Engineers also relined the chamber walls, which had bulged outward by as much as twenty centimetres. \"We found coins, clay pipes and a bicycle from the 1950s in the silt,\" said site manager Oskar Linde. \"The canal keeps everything.\"",
        "The closure had cut the navigation in two, forcing hire boat companies on the upper reach to cancel bookings for two summers. Three of them laid off staff, and one closed for good.",
        "The trust says traffic should return to its old level of about 2,400 boats a year by next season. A small visitor centre in the lock cottage will open in July, with the original gate mechanism on display.",
        "Not everyone is celebrating. Residents of the towpath cottages have asked the council to limit mooring near the lock, saying that engines run late into the night during the busy months.",
    )),
    Story("night-trains", "Night trains return to the northern line after fourteen years", "Ravi Anand", "2024-09-14", (
        "Sleeper trains will run again between Port Aldous and the northern capital from December, the national rail operator confirmed on Thursday, ending a gap of fourteen years.",
        "The service will leave the coast at nine in the evening and arrive shortly after seven the next morning, with four sleeping cars, a couchette car and a small bar carriage.",
        "The operator bought twelve refurbished carriages from a neighbouring country, where they had been retired after the opening of a high-speed line. Each has been fitted with new heating, wider beds and sockets in every compartment.",
        "\"People have been writing to us every month asking for this,\" said the operator's director of long-distance services, Maren Holt. \"The night train gives you a whole day at your destination without a hotel.\"",
        "Tickets will start at about the price of a budget flight for a reclining seat, and rise to three times that for a private compartment with a washbasin.",
        "Rail unions welcomed the announcement but warned that the line's single-track sections in the mountains would need more signalling staff at night. The operator said it had hired forty people for the purpose.",
        "Environmental groups said the service was a good start but that a single nightly departure would not change how most people travel. They called for a second route to the western border.",
    )),
    Story("school-meals", "Free school lunches extended to every primary pupil in Lorne", "Hanna Mbeki", "2024-02-27", (
        "Every primary school pupil in Lorne will receive a free hot lunch from the autumn term, the regional assembly decided on Tuesday after a debate that lasted most of the day.",
        "The programme will cost about 62 million a year and will be paid for in part by a new levy on sugary drinks, which comes into force in July.",
        "Until now, free lunches were available only to children from families on the lowest incomes. Head teachers had long complained that the means test left out many children whose parents earned just above the limit.",
        "\"We have children arriving on Monday mornings who have not eaten properly since Friday,\" said Amira Coyle, head of a primary school in the harbour district. \"This will change what we can do in the classroom.\"",
        "Opposition members argued that the money would be better targeted at the poorest families and questioned whether school kitchens could cope. Around a third of schools will need new equipment before they can cook on site.",
        "The assembly set aside eight million for kitchen upgrades and said that schools without kitchens would receive meals from central kitchens run by local councils.",
        "A review of the programme, including its effect on attendance and test results, is planned after two years.",
    )),
    Story("glacier-survey", "Survey finds Tarn glacier lost a fifth of its ice in a decade", "Lukas Ferreira", "2024-10-02", (
        "The Tarn glacier, the largest in the western range, has lost about a fifth of its volume since 2014, according to a survey published on Wednesday by the national geological institute.",
        "Researchers combined drone photographs with ground-penetrating radar to measure the ice thickness along forty cross-sections. In places the glacier has thinned by more than thirty metres.",
        "The snout of the glacier has retreated by almost 800 metres over the decade, exposing bare rock and a new lake that did not appear on maps ten years ago.",
        "\"We expected losses, but not at this pace,\" said glaciologist Sofia Karlsen, who led the fieldwork. \"The summers of 2018 and 2022 alone account for nearly half of the decline.\"",
        "The glacier feeds the river that supplies two hydroelectric plants and the drinking water of around 90,000 people in the valley. The institute said water supplies were not at immediate risk but that summer flows would become less reliable after the middle of the century.",
        "The report recommends monitoring the new lake, whose moraine wall could fail during heavy rain. The regional civil protection office said it would install a water level sensor before winter.",
    )),
    Story("bike-share", "Bike share scheme doubles fleet after record summer", "Clara Nwosu", "2024-08-30", (
        "The city's public bike share scheme will double its fleet to 3,000 bicycles next spring after a summer in which riders made more than a million trips, the transport department said on Friday.",
        "About a third of the new bicycles will be electric, and eighty new docking stations will be built, most of them in the eastern districts, which the scheme has so far barely reached.",
        "Usage rose sharply after the city cut the annual membership fee by half in April. Officials said the busiest station, outside the central railway station, now records more than 900 rentals on a typical weekday.",
        "\"For a lot of commuters this has become the last kilometre of their journey,\" said transport councillor Petra Dahl. \"They come in by train and finish the trip by bike.\"",
        "Cycling groups welcomed the expansion but said the city needed to build more protected lanes to keep new riders safe. Two serious accidents involving shared bicycles were reported in July.",
        "The department said it would publish a plan for twelve kilometres of new protected lanes before the end of the year.",
    )),
    Story("de-bibliothek", "Stadtbibliothek verlängert Öffnungszeiten am Wochenende", "Jana Köhler", "2024-03-05", lang="de", paragraphs=(
        "Die Stadtbibliothek am Marktplatz öffnet ab April auch sonntags. Das hat der Kulturausschuss am Dienstag einstimmig beschlossen, nachdem eine Umfrage unter mehr als 4.000 Nutzerinnen und Nutzern einen großen Bedarf gezeigt hatte.",
        "Sonntags soll die Bibliothek von elf bis achtzehn Uhr geöffnet sein. Ausleihe und Rückgabe laufen dann über Automaten, in den Lesesälen sind studentische Hilfskräfte im Einsatz.",
        "Die zusätzlichen Kosten von rund 180.000 Euro im Jahr übernimmt zur Hälfte das Land im Rahmen eines Förderprogramms für offene Bibliotheken. Die andere Hälfte trägt die Stadt.",
        "\"Viele Familien haben unter der Woche schlicht keine Zeit\", sagte Bibliotheksleiterin Miriam Vogt. \"Der Sonntag ist für sie der einzige Tag, an dem sie gemeinsam kommen können.\"",
        "Die Gewerkschaft hatte zunächst Bedenken angemeldet, weil sie eine Ausweitung der Sonntagsarbeit befürchtete. Nach Gesprächen mit der Stadt wurde vereinbart, dass kein festangestellter Beschäftigter gegen seinen Willen sonntags arbeiten muss.",
        "Nach einem Jahr soll geprüft werden, wie viele Menschen das Angebot nutzen und ob es auf die Stadtteilbibliotheken ausgeweitet wird.",
    )),
    Story("harbour-seals", "Harbour seals return to the estuary in record numbers", "Mateo Lindgren", "2024-07-11", (
        "Volunteers counting seals in the Orm estuary recorded 412 animals on a single sandbank last weekend, the highest number since counts began in 1988.",
        "The harbour seal population in the estuary fell to fewer than sixty in the early 1990s, when a viral disease swept through colonies along the coast and pollution from upstream factories was at its worst.",
        "Since then, water quality has improved and a no-boating zone around the main sandbanks during the pupping season has given the animals room to rest.",
        "\"Ten years ago we would have been happy with a hundred,\" said marine biologist Nadia Osei, who coordinates the count. \"Now we need two teams just to cover the banks at low tide.\"",
        "Fishermen in the estuary have raised concerns that the growing colony competes with them for flatfish. A study by the regional fisheries office is expected to report next year.",
        "Visitors are asked to keep at least 300 metres from resting seals and to keep dogs on a lead on the beaches near the estuary mouth.",
    )),
    Story("radio-mast", "Village wins fight against mobile mast on chapel hill", "Iris Achterberg", "2024-06-19", (
        "Residents of Coldbrook have won a two-year campaign against a 25-metre mobile phone mast on the hill behind the village chapel, after the planning inspectorate rejected the operator's appeal.",
        "The inspector said the mast would cause significant harm to the setting of the chapel, a listed building from the fifteenth century, and to views across the valley from a popular footpath.",
        "The operator had argued that the mast was needed to end a coverage gap that leaves parts of the valley without a reliable signal, including a stretch of the main road where two accidents happened last winter.",
        "\"Nobody here is against better coverage,\" said campaign organiser Gwen Harrow. \"We simply asked them to look at the old water tower on the other side of the valley, and they refused.\"",
        "The operator said it was disappointed and would consider other sites. The county council said it would offer the water tower for talks, although engineers have previously said it is too low to cover the road.",
        "About 140 households signed the objection, roughly two thirds of the village.",
    )),
]

TEASERS = [
    ("Harbour authority names new chief after long search", "The board chose a former port engineer from the south coast, ending a search that took nine months and two rounds of interviews."),
    ("Council delays vote on parking charges until autumn", "Members asked officials for more figures on how the charges would affect shops in the old town before they decide."),
    ("Local choir invited to sing at the national festival", "The forty singers will perform two new works by a composer who grew up in the town and now teaches abroad."),
    ("Road works on the ring road to last until March", "Drivers are advised to use the northern bypass while the bridge joints are replaced and the lanes are resurfaced."),
    ("New bakery opens in the former post office building", "Two sisters who trained in the capital have turned the old sorting room into a bakery with a small cafe."),
    ("Hospital car park to get four hundred extra spaces", "The new deck will be built on the site of the old laundry and should open before next winter, managers said."),
]
PROMOS = [
    ("Compare today's mortgage rates", "Homeowners could save hundreds each month by switching to a lower fixed rate. Rates start from 3.9 percent for borrowers with a deposit of at least twenty percent. Check your eligibility in two minutes without affecting your credit score."),
    ("Best balance transfer credit cards", "Move your existing card balance and pay no interest for up to 24 months with one of our partner cards. Representative example applies. Apply online today and get a decision in sixty seconds."),
    ("Savings accounts paying 4.5 percent", "Our comparison of easy-access savings accounts shows which banks pay the most on your money this month, with no fees and instant withdrawals. Open an account online in minutes."),
]
RESULTS = [("Harbour United", "2", "1", "Millbrook Rovers"), ("Kestrel Bay", "0", "0", "Dornau Athletic"),
           ("Greyhaven Town", "3", "2", "Lorne City"), ("Skarholm FC", "1", "4", "Coldbrook Wanderers"),
           ("Port Aldous", "2", "2", "Quarry Hill"), ("Vell Valley", "0", "1", "Orm Estuary FC")]


def t_layout_row(s: Story) -> str:
    """An old table layout whose first row is page furniture (breadcrumb, tools, related headlines, footer)."""
    site = "Valley Gazette"
    body = "<br><br>\n".join(esc(p) for p in s.paragraphs)
    related = " | ".join(f"<a href=\"/r{i}\">{esc(h)}</a>" for i, (h, _t) in enumerate(TEASERS))
    navcell = "<br>".join(f"<a href=\"/{n.lower()}\">{n}</a>" for n in NAV)
    tools = " | ".join(f"<a href=\"#\">{t}</a>" for t in ("Print this article", "Email this article", "Increase text size", "Decrease text size", "Comment on this story", "Report an error"))
    return (head(s, site) + "<body><table width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\">"
            "<tr><td class=\"content\"><font size=\"1\"><a href=\"/\">Home</a> &gt; <a href=\"/news\">News</a> &gt; <a href=\"/news/region\">Region</a></font><br>"
            f"<font size=\"1\">{tools}</font><br><font size=\"2\"><b>Related headlines:</b> {related}</font><br>"
            "<font size=\"1\">Valley Gazette is published by Valley Media Group, 14 Mill Street, Greyhaven. Phone 555 0142. "
            "Send news tips, letters to the editor and corrections to the newsroom. Subscriptions and home delivery: call the circulation desk between eight and five on weekdays.</font></td></tr>"
            f"<tr><td valign=\"top\"><table width=\"100%\"><tr><td width=\"160\" valign=\"top\">{navcell}</td>"
            f"<td valign=\"top\"><font size=\"4\"><b>{esc(s.title)}</b></font><br><i>{esc(s.author)}</i><br><br><font size=\"2\">{body}</font></td></tr></table></td></tr>"
            "</table></body></html>")


def t_promo_column(s: Story) -> str:
    """Promo boxes (mortgage, credit card, savings) inside the article column, between paragraphs."""
    site = "Money Morning"
    parts = []
    for i, p in enumerate(s.paragraphs):
        parts.append(f"<p>{esc(p)}</p>")
        if i in (1, 3, 5):
            h, t = PROMOS[(i // 2) % len(PROMOS)]
            parts.append(f"<div class=\"promo-box\"><h3>{esc(h)}</h3><p>{esc(t)}</p><p><a href=\"/compare\">See the rates</a></p></div>")
    return (head(s, site) + "<body><header>" + nav_html() + "</header><div class=\"page\"><div class=\"col-main\">"
            f"<h1>{esc(s.title)}</h1><p class=\"byline\">{esc(s.author)}, {s.date}</p><div class=\"col-text\">{''.join(parts)}</div></div>"
            "<div class=\"col-side\"><h4>Markets</h4><ul><li>Index 7,412 +0.4%</li><li>Gold 2,031 -0.2%</li></ul></div></div>"
            + footer_html(site) + "</body></html>")


def t_shared_comments(s: Story) -> str:
    """Reader comments as plain paragraphs in the same container as the article, no comment markup."""
    site = "Town Talk"
    thread = "".join(
        f"<p class=\"c-author\"><b>{esc(a)}</b> says:</p><p class=\"c-time\">{3 + k} hours ago</p><p>{esc(t)}</p><p class=\"c-reply\"><a href=\"#\">Reply</a></p>"
        for k, (a, t) in enumerate((COMMENTS * 2)[:10]))
    return (head(s, site) + "<body><div id=\"wrap\">" + nav_html() + "<div class=\"main\">"
            f"<h1>{esc(s.title)}</h1><p class=\"by\">{esc(s.author)}</p>{ps(s)}"
            f"<h3>What readers say</h3>{thread}</div></div>" + footer_html(site) + "</body></html>")


def t_teaser_sidebar(s: Story) -> str:
    """A long list of other stories' teasers ("... Full Story |") next to the article."""
    site = "Coast Herald"
    teasers = "".join(f"<div class=\"teaser\"><h4><a href=\"/t{i}\">{esc(h)}</a></h4><p>{esc(t)} <a href=\"/t{i}\">Full Story</a> |</p></div>"
                      for i, (h, t) in enumerate(TEASERS * 2))
    return (head(s, site) + "<body><div class=\"top\">" + nav_html() + "</div><table width=\"100%\"><tr>"
            f"<td valign=\"top\" width=\"60%\"><h1>{esc(s.title)}</h1><span class=\"by\">{esc(s.author)}</span>"
            + "".join(f"<p>{esc(p)}</p>" for p in s.paragraphs) + "</td>"
            f"<td valign=\"top\" class=\"stories\"><h3>More local news</h3>{teasers}</td></tr></table>"
            + footer_html(site) + "</body></html>")


def t_results_sidebar(s: Story) -> str:
    """A fixtures and results sidebar next to the article."""
    site = "Sport Weekly"
    rows = "".join(f"<tr><td>{a}</td><td>{x} - {y}</td><td>{b}</td></tr>" for a, x, y, b in RESULTS * 2)
    table_ = "".join(f"<tr><td>{i + 1}</td><td>{t}</td><td>{20 - i}</td><td>{40 - 2 * i}</td></tr>" for i, (t, *_r) in enumerate(RESULTS))
    return (head(s, site) + "<body>" + nav_html() + "<div class=\"layout\"><div class=\"left\">"
            f"<h1>{esc(s.title)}</h1><div class=\"text\">" + "".join(f"<div class=\"para\">{esc(p)}</div>" for p in s.paragraphs) + "</div></div>"
            f"<div class=\"right\"><h3>Results</h3><table class=\"results\">{rows}</table><h3>Table</h3>"
            f"<table class=\"standings\"><tr><th>Pos</th><th>Team</th><th>P</th><th>Pts</th></tr>{table_}</table></div></div>"
            + footer_html(site) + "</body></html>")


def t_brief_links(s: Story) -> str:
    """A short article whose paragraphs carry many inline links, in a page full of link lists."""
    site = "Metro Briefs"
    words = s.paragraphs[0].split(" ")
    linked = " ".join(f"<a href=\"/tag/{i}\">{esc(w)}</a>" if i % 2 == 1 else esc(w) for i, w in enumerate(words))
    rest = "".join(f"<p>{esc(p)}</p>" for p in s.paragraphs[1:])
    return (head(s, site) + "<body>" + nav_html() + "<div class=\"grid\"><div class=\"cell\">"
            f"<h2>{esc(s.title)}</h2><p>{linked}</p>{rest}</div>"
            "<div class=\"cell\"><h3>Latest</h3>" + link_list([h for h, _t in TEASERS]) + "</div>"
            "<div class=\"cell\"><h3>Popular</h3>" + link_list(OTHER_HEADLINES) + "</div></div>" + footer_html(site) + "</body></html>")


def t_broken_markup(s: Story) -> str:
    """Broken markup: an unclosed comment before the body, a stray </html>, unclosed <font> and <p> tags."""
    site = "Old Town Online"
    body = "".join(f"<p><font face=\"Verdana\">{esc(p)}" for p in s.paragraphs)
    return ("<html><head><title>" + esc(s.title) + " - " + site + "</title></head></html>"
            "<body><!-- begin article " + f"<div class=\"story\"><b>{esc(s.title)}</b><br>{body}"
            "</div><div class=\"foot\">(c) Old Town Online</div></body>")


def t_broken_nesting(s: Story) -> str:
    """Every paragraph inside an unclosed <a> and <table> soup: the parse loses most of the text."""
    site = "Lakeside Post"
    body = "".join(f"<tr><td><a name=\"p{i}\"><span>{esc(p)}</td>" for i, p in enumerate(s.paragraphs))
    return (f"<html><head><title>{esc(s.title)}</title><script>var a = '<table>';</script></head><body>"
            f"<table><tr><td>{nav_html()}</td></tr><table><tr><td><h1>{esc(s.title)}</h1></td>{body}"
            "<div>Lakeside Post, all rights reserved</div></body></html>")


BRIEF_LAYOUTS = {"brieflinks"}
LAYOUTS = [
    ("layoutrow", t_layout_row), ("promocolumn", t_promo_column), ("sharedcomments", t_shared_comments),
    ("teasersidebar", t_teaser_sidebar), ("resultssidebar", t_results_sidebar), ("brieflinks", t_brief_links),
    ("brokenmarkup", t_broken_markup), ("brokennesting", t_broken_nesting),
]


def layout_pages() -> list[tuple[str, str, Story]]:
    """(id, layout name, story) of the pages of issue 15: every layout with four of the long stories."""
    pages = []
    k = 100
    for j, (name, _t) in enumerate(LAYOUTS):
        for i in range(4):
            story = LONG_STORIES[(j + i) % len(LONG_STORIES)]
            if name in BRIEF_LAYOUTS:  # a brief: the first two paragraphs of the story
                story = replace(story, paragraphs=story.paragraphs[:2])
            pages.append((f"{k:03d}-{name}-{story.slug}", name, story))
            k += 1
    return pages


# Debris templates need stories with quotes (entities) or non-ASCII letters (mojibake).
PINNED = {
    "orchard-frost": "entities", "noise-airport": "entities", "choir-record": "entities",
    "de-radweg": "mojibake", "coffee-coop": "mojibake", "fr-vendanges": "mojibake",
}


def build(out: Path = OUT) -> int:
    (out / "html").mkdir(parents=True, exist_ok=True)
    rows = []
    by_name = dict(TEMPLATES)
    cycle = [t for t in TEMPLATES if t[0] not in set(PINNED.values())]
    k = 0
    for i, story in enumerate(STORIES):
        if story.slug in PINNED:
            name = PINNED[story.slug]
        else:
            name = cycle[k % len(cycle)][0]
            k += 1
        template = by_name[name]
        cid = f"{i:03d}-{name}-{story.slug}"
        page = template(story)
        (out / "html" / f"{cid}.html").write_text(page, encoding="utf-8")
        rows.append({"id": cid, "url": f"https://fixtures.copydesk.test/{name}/{story.slug}",
                     "html_path": f"html/{cid}.html", "expected_text": "\n".join(story.paragraphs)})
    layouts = dict(LAYOUTS)
    for cid, name, story in layout_pages():
        (out / "html" / f"{cid}.html").write_text(layouts[name](story), encoding="utf-8")
        rows.append({"id": cid, "url": f"https://fixtures.copydesk.test/{name}/{story.slug}",
                     "html_path": f"html/{cid}.html", "expected_text": "\n".join(story.paragraphs)})
    with (out / "cases.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return len(rows)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    print(f"wrote {build(target)} cases to {target}")
