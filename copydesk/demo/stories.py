"""The demo world's news stories: fictional, written for copydesk.

Everything here is invented (the country of Aldermark, its neighbours Corvania and Tessaly,
the wire service Meridian Press, every person and company).  Texts are plain str; the
renderers in :mod:`copydesk.demo.outlets` escape them.

A story's ``lede`` is the first paragraph *without* its dateline; outlets add their own
dateline (or none).  ``event`` groups distinct stories about the same real-world event:
two stories with the same event are hard negatives for dedup (they share facts and
sometimes a short quote, but are different articles).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Story:
    key: str
    event: str                  # stories with the same event are hard negatives of each other
    outlet: str                 # where it is first published ("wire", "gazette", "ledger")
    headline: str
    description: str
    author: str
    date: str                   # YYYY-MM-DD
    time: str                   # HH:MM (UTC)
    city: str                   # dateline city ("" for local newspaper stories without dateline)
    lede: str
    body: tuple[str, ...]
    section: str = "world"      # "world" or "business" (used by the Ledger's section pages)
    batch: int = 0              # 0: published at start; 1, 2: published by publish_more()
    embargoed: bool = False


S = Story

STORIES: tuple[Story, ...] = (
    # ------------------------------------------------------------------ flood (wire x2, ledger x1)
    S(
        key="flood-rescue", event="varn-flood", outlet="wire", batch=0, section="world",
        headline="Eleven dead as Varn river bursts its banks in northern Aldermark",
        description="Rescue crews pull residents from rooftops in Kessling as a second flood crest is expected downstream.",
        author="Nina Sjoberg", date="2026-03-02", time="06:40", city="KESSLING",
        lede="At least eleven people were killed and more than 4,000 evacuated after the Varn river burst its banks overnight, sending a wall of brown water through low-lying districts of Kessling and three neighbouring villages, emergency officials said on Monday.",
        body=(
            "Rescue crews in flat-bottomed boats worked through the night to pull residents from rooftops and upper-floor windows in the Lower Mill quarter, where the water rose by almost two metres in under an hour. Army engineers were flown in from Stenholm at dawn to shore up a breached levee south of the town.",
            "\"The water came faster than any model told us it would,\" said Governor Elin Brask, who toured the flooded streets by boat before addressing reporters at a school gymnasium that has been turned into a shelter. \"Our first job is to find everyone. The questions about why come later.\"",
            "Of the eleven confirmed dead, seven were found in the village of Ostervik, where a footbridge collapsed as residents tried to cross to higher ground. Police said a further nine people were unaccounted for, among them two volunteer firefighters whose boat capsized near the rail bridge shortly after midnight.",
            "The national weather service said nearly 140 millimetres of rain had fallen on the upper Varn basin in 36 hours, on ground already saturated by snowmelt. It warned that a second crest was expected downstream on Tuesday and extended its red alert to the towns of Brenna and Halsted.",
            "Hospitals in Kessling reported treating more than 60 people for hypothermia and injuries. The regional blood service appealed for donors, and the rail operator suspended services on the northern line after water reached the tracks at two points.",
            "Prime Minister Jonas Ekdahl, whose party lost ground in Sunday's parliamentary election, was due to visit Kessling on Monday evening. His office said the caretaker government would release emergency funds from its disaster reserve once the extent of the damage was known.",
        ),
    ),
    S(
        key="flood-insurance", event="varn-flood", outlet="wire", batch=0, section="business",
        headline="Varn flood bill could top 1.2 billion crowns, insurers warn",
        description="Insurers brace for thousands of claims after the Varn river floods, while most households in the valley lack flood cover.",
        author="Per Alstad", date="2026-03-03", time="11:15", city="STENHOLM",
        lede="Insurers braced on Tuesday for claims of up to 1.2 billion crowns from the flooding along the Varn river, in what industry officials said could become the costliest weather event in northern Aldermark in more than two decades.",
        body=(
            "The Aldermark Insurance Federation said its members had received more than 6,800 claims by midday, most of them for flooded homes, cars and small businesses in and around Kessling, where at least eleven people died when the river broke through a levee on Sunday night.",
            "Shares in Nordhavn Mutual, the largest household insurer in the region, fell 4.3 percent in Stenholm trading, while reinsurer Baltra Re lost 2.1 percent. Analysts at Kastell Bank estimated insured losses of between 800 million and 1.2 billion crowns, but said uninsured damage to farmland and municipal infrastructure could be at least as large.",
            "\"The water came faster than any model told us it would,\" Governor Elin Brask said on Monday, a remark that insurers seized on as evidence that the flood maps used to price policies in the valley were out of date.",
            "Only about 40 percent of households in the affected districts carry flood cover, according to the federation, because premiums in the Varn valley have tripled since 2019. Consumer groups said many families in the Lower Mill quarter had dropped their policies in recent years because they could no longer afford them.",
            "Finance Minister Sofia Lund said the government would consider an emergency compensation scheme for uninsured households but gave no figure. The disaster reserve holds about 500 million crowns, a sum economists said would not be enough on its own.",
            "The rail operator said repairs to the northern line would take at least three weeks, disrupting freight traffic from the mills and timber yards upriver. Several manufacturers in Kessling said they had halted production and did not expect to reopen before the end of the month.",
        ),
    ),
    S(
        key="ledger-flood-volunteers", event="varn-flood", outlet="ledger", batch=0, section="world",
        headline="In Kessling's shelters, volunteers keep a flooded town going",
        description="Hundreds of volunteers run the emergency shelters that have housed flood victims since Sunday night.",
        author="Jonna Ekberg", date="2026-03-04", time="05:30", city="",
        lede="By the third night, the gymnasium of Kessling's Ostra school had settled into a routine. Camp beds stood in neat rows, there was a corner for children with crayons and donated books, and volunteers ladled out soup at a long table until ten.",
        body=(
            "About 600 people have slept in the town's four emergency shelters since the Varn river flooded the Lower Mill quarter on Sunday night, according to the municipality. Most of the work inside them is done by volunteers.",
            "\"On Monday morning we had 40 people here and no one in charge,\" said Britt Kallstrom, a retired teacher who now runs the Ostra shelter from a clipboard. \"Now we have 200 volunteers on a rota, a pharmacist, and more blankets than we know what to do with.\"",
            "Local businesses have stepped in too. A bakery on Storgatan delivers bread each morning, a taxi firm is driving elderly residents to medical appointments free of charge, and the football club, fresh from its cup win, has sent players to help fill sandbags.",
            "Governor Elin Brask visited the shelter on Tuesday and thanked the volunteers. She repeated her warning that the water had risen faster than forecasters expected, and said the priority remained finding the people who were still missing.",
            "For many of those in the shelters, the hardest part is not knowing when they can go home. \"The water is going down, but they tell us the houses need to dry for weeks,\" said Amira Haddad, who fled with her two sons. \"The boys ask me every day.\"",
            "The municipality said it hoped to move families with children into empty student flats by the weekend, and asked residents with spare rooms to register with the town hall.",
        ),
    ),
    # ------------------------------------------------------------------ port strike (wire x3, gazette x1)
    S(
        key="port-strike-walkout", event="port-strike", outlet="wire", batch=0, section="business",
        headline="Port Alden dockworkers walk out after wage talks collapse",
        description="About 5,200 dockworkers strike at Aldermark's busiest container port over pay and automation.",
        author="Henrik Dahl", date="2026-03-03", time="07:05", city="PORT ALDEN",
        lede="Thousands of dockworkers at Port Alden, Aldermark's busiest container port, walked off the job at dawn on Tuesday after last-ditch talks with terminal operators over pay and automation broke down, bringing cargo handling to a near standstill.",
        body=(
            "The Dock and Harbour Workers' Union said about 5,200 of its members were taking part in the open-ended strike, the first full stoppage at the port since 2011. Pickets gathered outside the gates of the three main container terminals, and cranes stood idle along the Kastrup quay.",
            "The union is demanding a 9 percent pay rise over two years and a written guarantee that no jobs will be lost when the operators introduce remote-controlled cranes at the North Terminal next year. The employers' association, Port Alden Terminals, has offered 5.5 percent and a retraining fund.",
            "\"Nobody in this port is against new machines,\" said union leader Mara Holt, speaking to strikers from the back of a flatbed truck. \"We are against being thrown away by them.\"",
            "Port Alden Terminals said in a statement that its offer was fair and final and that the strike would cost the national economy dearly. Its chief executive, Anders Wirth, said the company remained ready to return to the table with a mediator.",
            "About 40 percent of Aldermark's container imports pass through Port Alden. Harbour officials said 14 ships were waiting at anchor by midday and that others had been told to expect delays of at least a week.",
            "The Labour Ministry said it would appoint a mediator if both sides agreed. Under Aldermark law the government cannot order strikers back to work unless essential supplies such as medicines are at risk.",
        ),
    ),
    S(
        key="port-strike-supply", event="port-strike", outlet="wire", batch=0, section="business",
        headline="Shipping lines divert cargo as Port Alden strike enters second day",
        description="Carriers send ships to Corvanian ports and freight rates climb as the dock strike drags on.",
        author="Per Alstad", date="2026-03-04", time="09:20", city="STENHOLM",
        lede="Major shipping lines began diverting vessels away from Port Alden on Wednesday as a strike by dockworkers entered its second day, threatening shortages of spare parts and consumer goods and pushing up freight rates on routes into Aldermark.",
        body=(
            "Osterline, the region's largest container carrier, said it would send at least six ships to Gdynor and Rostvik in Corvania instead, from where cargo would travel onward by rail and truck. Two other carriers said they were considering similar moves.",
            "Spot rates for a container from Asia to northern European ports other than Port Alden rose about 12 percent overnight, according to freight analysts at Lindahl Shipping Data, as importers scrambled for alternative capacity.",
            "Carmakers and electronics assemblers warned they held only a few days of components in stock. The Federation of Aldermark Industry said a stoppage lasting more than two weeks could cut first-quarter economic growth by as much as 0.3 percentage points.",
            "Retailers were more relaxed for now. The supermarket chain Hemmet said its warehouses were well stocked after the holiday season, although fresh fruit imported by sea could become scarce within ten days.",
            "The strike, which began on Tuesday, involves about 5,200 members of the Dock and Harbour Workers' Union, who are demanding higher pay and job guarantees before remote-controlled cranes are introduced. Union leader Mara Holt has said her members are not against new machines but against being discarded by them.",
            "Labour Minister Petter Sand told parliament a mediator had been named and that both sides had agreed to meet on Thursday. \"The cost of this dispute is being paid by people who are not at the table,\" he said.",
        ),
    ),
    S(
        key="gazette-port-families", event="port-strike", outlet="gazette", batch=0, section="world",
        headline="On the picket line, strike pay stretches thin for dock families",
        description="For families in the harbour districts, the dock strike is a test of savings as well as solidarity.",
        author="Sanna Lindqvist", date="2026-03-05", time="05:45", city="",
        lede="On the third morning of the strike, Linnea Borg was at the gate of the North Terminal by six, a thermos of coffee in one hand and a hand-painted sign in the other. Her husband and her father both work on the cranes. Between them, the family has 51 years at Port Alden.",
        body=(
            "\"People think dockers are rich,\" she said. \"We have a mortgage and two kids and the strike fund pays 600 crowns a day. You do the maths.\"",
            "The Dock and Harbour Workers' Union says about 5,200 members are on strike. For families in the harbour districts of Nyhamn and Kastrup, where many households depend on the port, the walkout has become a test of savings as well as solidarity.",
            "At the Nyhamn parish hall, volunteers have set up a food table stocked with donations from local shops and farmers. \"We started it for the pickets, but now mothers come in with their children,\" said organiser Tomas Eklund.",
            "Not everyone in the neighbourhood supports the strike. Hakan Ruud, who runs a haulage firm with nine trucks, said he had sent most of his drivers home. \"I understand them, but I have bills too, and nobody is paying mine,\" he said.",
            "Union leader Mara Holt visited the parish hall on Wednesday evening and promised members that the union would not settle without job guarantees. \"We are against being thrown away,\" she told them, to loud applause.",
            "Talks with a government mediator were due to begin on Thursday afternoon at the Labour Ministry in Stenholm. Neither side would say whether a new offer was on the table.",
        ),
    ),
    # ------------------------------------------------------------------ border crisis (wire x2)
    S(
        key="border-standoff", event="sarn-pass-crisis", outlet="wire", batch=0, section="world",
        headline="Corvania and Tessaly mass troops on border after drone downed",
        description="Armoured units move toward the disputed Sarn Pass after Tessalian air defences shoot down a Corvanian drone.",
        author="Lukas Varga", date="2026-03-02", time="17:50", city="VELMAR, Corvania",
        lede="Corvania and Tessaly moved armoured units toward their shared border on Monday after Tessalian air defences shot down a Corvanian surveillance drone over the disputed Sarn Pass, raising fears of the first armed clash between the two neighbours in nearly 30 years.",
        body=(
            "Satellite images published by the independent monitoring group Borderline showed at least 40 armoured vehicles and several mobile rocket launchers gathered at a Corvanian base outside Velmar, about 15 kilometres from the frontier. Tessaly said it had placed two brigades on heightened alert.",
            "Corvania's defence ministry said the drone had been flying inside Corvanian airspace on a routine mission to monitor smuggling routes, and called the shootdown a deliberate act of aggression. Tessaly said the aircraft had crossed the line of control by more than three kilometres and ignored radio warnings.",
            "\"We will not be provoked, but we will not be intimidated either,\" Tessalian President Ilan Moravec said in a televised address on Monday night.",
            "The Sarn Pass, a high mountain corridor that carries the main road and an oil pipeline between the two countries, has been disputed since the collapse of a federation treaty in 1994. A ceasefire line drawn in 1997 has largely held, despite occasional exchanges of fire.",
            "Aldermark, which borders both countries and buys most of its pipeline oil through the pass, urged restraint. Foreign Minister Katja Rensberg said she had spoken to her counterparts in both capitals and offered to host talks.",
            "Residents of villages near the pass said they had seen military convoys on the roads since Sunday. In the Corvanian town of Dresk, some families loaded their cars and left for relatives further south, while shops reported runs on fuel and bottled water.",
        ),
    ),
    S(
        key="border-talks", event="sarn-pass-crisis", outlet="wire", batch=0, section="world",
        headline="Corvania and Tessaly agree to talks in Stenholm as border tension eases",
        description="The two neighbours will send delegations to Aldermark for their first direct talks since the drone incident.",
        author="Lukas Varga", date="2026-03-05", time="14:30", city="STENHOLM",
        lede="Corvania and Tessaly agreed on Thursday to send delegations to talks in the Aldermark capital next week, the first direct contact between the two governments since a drone was shot down over the disputed Sarn Pass on Sunday.",
        body=(
            "Aldermark Foreign Minister Katja Rensberg announced the agreement after separate phone calls with both foreign ministers, saying the talks would focus on a hotline between the two militaries and on rules for flights near the line of control. Neither side has committed to pulling back troops.",
            "\"Talking is not a concession. It is the least that two neighbours owe their people,\" Rensberg told reporters at the foreign ministry.",
            "Diplomats said the breakthrough came after the European Union and several neighbouring states pressed both sides to lower the temperature. The monitoring group Borderline said on Wednesday that some Corvanian armoured units had moved back from forward positions near Velmar, although the rocket launchers remained in place.",
            "Tessalian President Ilan Moravec, who said on Monday that his country would not be intimidated, struck a more conciliatory tone on Thursday, telling parliament that Tessaly had \"no interest in a war that nobody can win\".",
            "Oil traders welcomed the news. Benchmark crude for delivery to Aldermark fell 3 percent, reversing part of this week's gains, as fears eased over supplies through the pipeline that runs across the pass.",
            "The talks are due to open on Tuesday at Vastberg Manor, a government guesthouse outside Stenholm that hosted the negotiations on the 1997 ceasefire. Each delegation will be led by a deputy foreign minister, officials said.",
        ),
    ),
    # ------------------------------------------------------------------ election (wire x2, one held back)
    S(
        key="election-result", event="election", outlet="wire", batch=0, section="world",
        headline="Centre-left Social Alliance wins most seats but falls short of majority",
        description="Aldermark's election leaves no party with a majority, setting the stage for weeks of coalition talks.",
        author="Marta Ilves", date="2026-03-02", time="02:10", city="STENHOLM",
        lede="The centre-left Social Alliance won the most seats in Aldermark's parliamentary election, preliminary results showed on Monday, but fell well short of a majority, setting the stage for weeks of coalition talks.",
        body=(
            "With all districts counted, the Social Alliance led by former finance minister Hanna Vik took 31.4 percent of the vote and 58 of the 175 seats in the Folkting. The conservative Unity Party of Prime Minister Jonas Ekdahl came second with 27.9 percent and 51 seats, down from 63.",
            "The Green Left and the agrarian Country Party each gained ground, while the anti-immigration Aldermark First won 11.2 percent, its best result, after a campaign dominated by housing costs and the war of words over the Sarn Pass.",
            "\"Voters have asked for change, and they have asked us to build it together,\" Vik told cheering supporters at a concert hall in Stenholm shortly after midnight. She said she would begin talks with the Greens and the Country Party on Tuesday.",
            "Ekdahl conceded that his party had lost its position as the largest in parliament but did not rule out trying to form a government with the centrist Liberals and Aldermark First, an option several of his own lawmakers have publicly opposed.",
            "Turnout was 78.6 percent, slightly lower than at the last election four years ago. Election officials said counting had gone smoothly despite heavy rain in the north, where polling stations in two villages had to be moved at short notice.",
            "Financial markets are expected to react calmly. Economists said both main parties had promised to keep the budget close to balance, and that a centre-left government would be unlikely to change course on energy or defence.",
        ),
    ),
    S(
        key="election-coalition", event="election", outlet="wire", batch=1, section="world",
        headline="Vik opens coalition talks with Greens and Country Party",
        description="The Social Alliance leader begins formal talks on a three-party government with a narrow majority.",
        author="Marta Ilves", date="2026-03-09", time="10:05", city="STENHOLM",
        lede="Social Alliance leader Hanna Vik began formal coalition talks with the Green Left and the agrarian Country Party on Monday, eight days after an election that left no party with a majority in Aldermark's parliament.",
        body=(
            "The three parties together hold 91 of the 175 seats in the Folkting, a narrow majority of three. Negotiators met behind closed doors at the parliament's old library and were expected to start with the budget, where the Greens' demand for a tax on aviation fuel has already drawn objections from the Country Party.",
            "\"We disagree on plenty, but we agree on what matters most: homes people can afford and a state that works,\" Vik told reporters on her way into the talks.",
            "Country Party leader Oskar Dahl said his party would not join a government that raised diesel taxes for farmers, who he said were already struggling after the floods in the Varn valley destroyed winter crops on thousands of hectares.",
            "Outgoing Prime Minister Jonas Ekdahl, whose Unity Party won 51 seats, said he remained ready to form a government if the talks failed. His party's board will meet on Wednesday to discuss whether to work with Aldermark First, which won 11.2 percent of the vote.",
            "Under the constitution, the speaker of parliament must propose a candidate for prime minister within 30 days of the election. Vik said she hoped to present a coalition agreement within three weeks.",
            "Financial markets took the start of the talks in their stride. The crown was little changed against the euro, and yields on ten-year government bonds edged down slightly.",
        ),
    ),
    # ------------------------------------------------------------------ tech merger (wire x2, one held back)
    S(
        key="tech-merger", event="halvard-qorra", outlet="wire", batch=0, section="business",
        headline="Halvard Systems agrees to buy Qorra Networks for 14 billion crowns",
        description="The deal would create a regional champion in mobile network software ahead of 6G.",
        author="Ola Berntsen", date="2026-03-04", time="06:55", city="STENHOLM",
        lede="Halvard Systems, Aldermark's biggest maker of telecoms equipment, agreed on Wednesday to buy rival Qorra Networks for 14 billion crowns in cash and shares, creating a regional champion in mobile network software as European operators prepare for the next generation of networks.",
        body=(
            "Halvard will pay 212 crowns per Qorra share, a premium of 31 percent to Tuesday's closing price. Qorra shares jumped 27 percent to 206 crowns in early trading, while Halvard fell 3.8 percent as some investors questioned the price.",
            "The combined company would have annual revenue of about 41 billion crowns and some 23,000 employees, roughly a third of them in Aldermark. Halvard chief executive Tove Lindgren said the deal would bring savings of 1.1 billion crowns a year by 2029, mostly from merging research and sales teams.",
            "\"Together we can compete with anyone in the world on software, which is where this industry is going,\" Lindgren told analysts on a conference call.",
            "Qorra's founder and chairman, Emil Qvist, who owns 18 percent of the company, said he would back the offer and join Halvard's board. Qorra has struggled to win contracts from large operators since losing a major deal in Tessaly last year.",
            "The deal needs approval from competition authorities in Aldermark and the European Union. The two companies together supply radio equipment for more than half of Aldermark's mobile masts, and analysts said regulators were likely to demand the sale of some units.",
            "Unions at Qorra's plant in Kessling, which employs 1,900 people, said they would seek guarantees on jobs. Lindgren said there were no plans to close any factories.",
        ),
    ),
    S(
        key="merger-regulator", event="halvard-qorra", outlet="wire", batch=1, section="business",
        headline="Competition watchdog opens in-depth probe into Halvard-Qorra deal",
        description="The competition board warns the takeover could leave mobile operators with too few equipment suppliers.",
        author="Ola Berntsen", date="2026-03-09", time="12:40", city="STENHOLM",
        lede="Aldermark's competition authority said on Monday it would open an in-depth investigation into Halvard Systems' planned 14 billion crown takeover of Qorra Networks, warning that the deal could leave mobile operators with too few suppliers of radio equipment.",
        body=(
            "The Competition and Markets Board said its preliminary review had found that the two companies together supplied equipment for about 55 percent of the country's mobile masts, and that the only other significant supplier was a large foreign group.",
            "\"Operators told us clearly that Halvard and Qorra are each other's closest competitor on price,\" said the board's director general, Ingrid Sahlin. \"We need to understand what happens to those prices when there is one company instead of two.\"",
            "The investigation will last up to 90 working days. Halvard said it would cooperate fully and was confident the deal would be approved, possibly with conditions. Its shares rose 1.2 percent, suggesting investors had expected the probe, while Qorra's stock slipped 2 percent to 199 crowns, below the offer price of 212 crowns.",
            "Analysts said the board would probably ask Halvard to sell Qorra's small-cell business or license some of its patents to rivals. Halvard chief executive Tove Lindgren has said the merger would save 1.1 billion crowns a year.",
            "The European Commission is also expected to review the deal. Qorra employs about 1,900 people at its plant in Kessling, where unions have asked for job guarantees and where the local council said on Monday it would seek a meeting with both companies.",
        ),
    ),
    # ------------------------------------------------------------------ court ruling, cup final
    S(
        key="court-ruling", event="surveillance-ruling", outlet="wire", batch=0, section="world",
        headline="Supreme Court strikes down parts of Aldermark's bulk data surveillance law",
        description="Judges rule that the blanket retention of citizens' traffic data violates the constitution.",
        author="Marta Ilves", date="2026-03-05", time="10:25", city="STENHOLM",
        lede="Aldermark's Supreme Court ruled on Thursday that key parts of a 2023 law allowing the security service to collect and store the internet traffic data of all citizens were unconstitutional, handing a major victory to privacy campaigners and journalists.",
        body=(
            "In a 5-2 decision, the court said the blanket retention of data on who communicated with whom, and when, for up to two years violated the constitution's protection of private correspondence. It gave parliament until the end of the year to rewrite the law.",
            "\"A state that records everything about everyone has stopped distinguishing between suspects and citizens,\" Chief Justice Agnes Forsmark wrote for the majority. \"The constitution requires it to make that distinction.\"",
            "The two dissenting judges said the law contained adequate safeguards, including the requirement that a judge approve any search of the stored data, and warned that the ruling could hamper investigations into organised crime and espionage.",
            "The case was brought by the Aldermark Union of Journalists and the digital rights group Open Line, who argued that the law made it impossible for reporters to protect confidential sources. Union chair Rikard Palm called the ruling a great day for press freedom.",
            "Justice Minister Lars Hedlund said the government respected the decision and would study it carefully. The security service said it would stop adding new data to its archive immediately but that existing records would be kept until parliament decided what should happen to them.",
            "Parliament's constitutional committee said it would begin hearings on a new law in April. Opposition lawmakers, who voted against the 2023 law, called for the security service's archive to be deleted without waiting for new legislation.",
        ),
    ),
    S(
        key="cup-final", event="cup-final", outlet="wire", batch=0, section="world",
        headline="Kessling FC stun Stenholm United to win Aldermark Cup in extra time",
        description="A 113th-minute header gives Kessling their first ever cup title.",
        author="Tobias Nyman", date="2026-03-01", time="18:35", city="STENHOLM",
        lede="Kessling FC won the Aldermark Cup for the first time in their history on Sunday, beating Stenholm United 2-1 after extra time in front of 41,000 fans at the National Arena.",
        body=(
            "Substitute Noah Berglund headed the winner in the 113th minute from a corner by captain Viktor Lund, sending the travelling supporters behind the north goal into delirium and leaving the favourites to rue a string of missed chances.",
            "Stenholm United, who have won the cup eleven times, took the lead in the 24th minute when striker Amir Hosseini curled a shot into the top corner from 20 metres. They dominated possession for most of the first half but could not find a second goal.",
            "Kessling equalised eight minutes after the break when defender Jens Moller bundled the ball in after goalkeeper Felix Strand failed to hold a low cross. The underdogs then survived a penalty appeal in the 88th minute when Hosseini went down in the box, with the referee waving play on after a video review.",
            "\"Nobody gave us a chance, and that suited us fine,\" said Kessling coach Ida Sorensen, who took over the club in the second division three years ago. \"These players have run through walls for each other all season.\"",
            "Stenholm United coach Marco Reyes said his team had paid for their wastefulness. \"You cannot create that many chances in a final and score once,\" he said.",
            "The victory earns Kessling a place in the qualifying rounds of the Conference League. The team were due to return home on Monday, but the club said an open-top bus parade had been postponed because of flood warnings along the Varn river.",
        ),
    ),
    # ------------------------------------------------------------------ embargoed (wire only, robots-disallowed)
    S(
        key="rate-decision", event="rate-decision", outlet="wire", batch=0, section="business", embargoed=True,
        headline="National Bank of Aldermark cuts key rate to 2.25 percent",
        description="EMBARGOED: the central bank cuts rates, citing the dock strike and the floods.",
        author="Per Alstad", date="2026-03-06", time="09:00", city="STENHOLM",
        lede="The National Bank of Aldermark cut its key interest rate by a quarter of a percentage point to 2.25 percent on Friday, citing weaker growth and the economic fallout from the Port Alden strike and the Varn river floods.",
        body=(
            "Governor Lena Ostberg said inflation had fallen to 2.1 percent in February, close to the bank's target, giving policymakers room to support an economy facing \"a series of unwelcome shocks\".",
            "Eleven of the 15 economists polled by Meridian Press had expected the cut. The crown weakened slightly against the euro after the announcement.",
            "The bank said it expected to keep rates on hold for the rest of the year unless the outlook deteriorated further, and that it would publish new forecasts in June.",
        ),
    ),
    # ------------------------------------------------------------------ held back, batch 2
    S(
        key="port-strike-deal", event="port-strike", outlet="wire", batch=2, section="business",
        headline="Port Alden strike ends as dockworkers accept mediator's deal",
        description="Dockworkers vote to accept a 7 percent pay rise and job guarantees, ending an eight-day strike.",
        author="Henrik Dahl", date="2026-03-10", time="16:45", city="PORT ALDEN",
        lede="Dockworkers at Port Alden voted on Tuesday to accept a deal brokered by a government mediator, ending an eight-day strike that paralysed Aldermark's busiest container port and forced shipping lines to divert dozens of vessels.",
        body=(
            "Members of the Dock and Harbour Workers' Union backed the agreement by 71 percent to 29 percent in a ballot held at the union hall on the Kastrup quay. Work was due to resume with the night shift.",
            "Under the deal, workers will receive a pay rise of 7 percent over two years, between the union's original demand of 9 percent and the employers' offer of 5.5 percent. Port Alden Terminals also agreed that no permanent jobs would be cut as a result of automation at the North Terminal before 2030.",
            "\"We did not get everything, but nobody will be thrown away,\" union leader Mara Holt said after the result was announced, echoing the words she used on the first day of the strike.",
            "Harbour officials said about 30 ships were waiting at anchor or had been diverted to ports in Corvania, and that it would take at least two weeks to clear the backlog of containers. Osterline said it would bring its diverted vessels back to Port Alden from next week.",
            "Labour Minister Petter Sand thanked the mediator, former judge Karin Tell, and said the strike had shown the need for earlier talks about how new technology changes work. The Federation of Aldermark Industry said its members were relieved but that the stoppage had cost manufacturers hundreds of millions of crowns.",
        ),
    ),
    S(
        key="satellite-launch", event="satellite-launch", outlet="wire", batch=2, section="world",
        headline="Aldermark's first home-built weather satellite reaches orbit",
        description="Nordlys-1 reaches a polar orbit after two failed launches in three years.",
        author="Tobias Nyman", date="2026-03-10", time="08:30", city="SKARVIK",
        lede="Aldermark's first home-built weather satellite reached orbit on Tuesday after a launch from the Skarvik spaceport on the northern coast, a milestone for a space programme that suffered two failed launches in the past three years.",
        body=(
            "The 180-kilogram satellite, named Nordlys-1, separated from its rocket about 54 minutes after lift-off and sent its first signals to a ground station in Stenholm shortly afterwards, the Aldermark Space Agency said.",
            "\"Three years ago we were picking pieces of rocket out of the sea. Today we have a satellite talking to us,\" said agency director Maja Frost, to applause from engineers in the control room.",
            "Nordlys-1 carries an instrument that measures moisture in the upper atmosphere, which scientists say should improve forecasts of heavy rain in the north of the country. Officials said the recent floods on the Varn river had shown how much such forecasts matter.",
            "The satellite was built by a consortium of three universities and the engineering firm Brattvik Aerospace at a cost of about 420 million crowns. It is expected to operate for at least five years in a polar orbit at an altitude of about 550 kilometres.",
            "The launch is part of a broader push by northern European countries to launch small satellites from their own territory rather than relying on American or Asian rockets. Skarvik hopes to host up to ten launches a year by 2030.",
            "The agency said the satellite's instruments would be switched on one by one over the next three weeks, and that the first data should reach forecasters at the national weather service in April.",
        ),
    ),
    # ------------------------------------------------------------------ newspapers' own stories
    S(
        key="gazette-ferry", event="island-ferry", outlet="gazette", batch=0, section="world",
        headline="Island ferry to cut winter sailings as fuel costs bite",
        description="Alden Island Lines will drop three of eight daily winter crossings to Skarholm and Lillholm.",
        author="Sanna Lindqvist", date="2026-03-02", time="12:10", city="",
        lede="The ferry linking Port Alden with the islands of Skarholm and Lillholm will cut three of its eight daily winter sailings from April, the operator announced on Monday, blaming a sharp rise in fuel costs and a shortage of qualified deck crew.",
        body=(
            "Alden Island Lines said the first morning departure at 5:40 and two late evening crossings would be dropped on weekdays until the end of October. Weekend timetables will not change.",
            "Island residents reacted with dismay. \"If the early boat goes, I cannot get to my shift at the hospital,\" said Sigrid Almqvist, a nurse who has commuted from Skarholm for 14 years. \"For some of us, this is the difference between staying and moving away.\"",
            "About 1,100 people live on the two islands year-round, a number that has fallen by a quarter since 2000. The island council said it would ask the regional government to increase its subsidy to the route, which stands at 38 million crowns a year.",
            "The operator's managing director, Erik Stahl, said the company had lost money on the route for three years running. \"We understand how important the early crossing is, and we would like to bring it back when we can,\" he said.",
            "The regional transport committee will discuss the cuts at its meeting on March 19. Opposition councillors have proposed a trial of a smaller electric boat for the early and late crossings.",
        ),
    ),
    S(
        key="gazette-council-budget", event="port-alden-budget", outlet="gazette", batch=0, section="world",
        headline="City council approves budget with harbour promenade and school repairs",
        description="A late compromise adds 45 million crowns for school repairs to Port Alden's 6.4 billion crown budget.",
        author="Erik Mattsson", date="2026-03-04", time="06:20", city="",
        lede="Port Alden city council approved its budget for the coming year on Tuesday night by 34 votes to 27, after a debate of almost six hours that ended with a late compromise on school repairs.",
        body=(
            "The budget of 6.4 billion crowns includes 210 million for the first phase of the long-delayed harbour promenade between the ferry terminal and the old customs house, and an extra 45 million for urgent repairs to four primary schools.",
            "The school money was added in the final hour after the Greens said they would otherwise vote against. \"Children should not be learning in classrooms with buckets on the floor,\" said councillor Elsa Nyberg, who led the negotiations for her party.",
            "Property tax will rise by 1.5 percent, less than the 2 percent originally proposed. Opposition leader Gustav Brandt said the increase was unfair on pensioners and that the promenade was a vanity project while the city's roads were falling apart.",
            "Mayor Karin Lowe defended the plan, saying the promenade would draw visitors and businesses to a waterfront that had been dominated by warehouses and car parks for decades. Construction is due to start in the autumn.",
            "The council also agreed to review parking charges near the container terminals, where residents have complained for years about trucks blocking residential streets.",
        ),
    ),
    S(
        key="ledger-mill-closure", event="bergfors-mill", outlet="ledger", batch=0, section="business",
        headline="Bergfors paper mill to close with the loss of 340 jobs",
        description="Vasko Paper will end more than 120 years of papermaking on the edge of Kessling.",
        author="Anders Holmgren", date="2026-03-04", time="13:05", city="",
        lede="The Bergfors paper mill on the northern edge of Kessling will close by the end of September with the loss of 340 jobs, its Finnish-owned parent company announced on Wednesday, ending more than 120 years of papermaking on the site.",
        body=(
            "Vasko Paper said demand for the newsprint and magazine paper produced at Bergfors had fallen by more than half in a decade, and that the mill's two machines were too old to be converted to packaging grades without an investment it could not justify.",
            "Workers were told of the decision at a meeting in the mill canteen on Wednesday morning. \"My grandfather worked here, my father worked here, and I thought I would retire here,\" said machine operator Lars Nystrom, 52. \"Now I do not know what I will do.\"",
            "The closure comes as Kessling is still cleaning up after the Varn river floods, which damaged the mill's lower warehouse. Vasko Paper said the flood had not affected its decision, which it said had been under consideration since last year.",
            "Mayor Annika Holm called the announcement a hard blow on top of a hard week and said the town would ask the government for help to attract new employers to the site, which has its own rail spur and river harbour.",
            "The mill's employees will be offered severance and retraining, the company said. Local suppliers, from trucking firms to the canteen contractor, are expected to lose a further 150 jobs.",
        ),
    ),
    S(
        key="ledger-house-prices", event="house-prices", outlet="ledger", batch=0, section="business",
        headline="Northern house prices climb for sixth straight month",
        description="Prices rose again in February, but agents say the floods may cool the market in Kessling.",
        author="Anders Holmgren", date="2026-03-05", time="08:00", city="",
        lede="House prices in Aldermark's northern counties rose for the sixth month in a row in February, figures from the national land registry showed on Thursday, although estate agents warned that the floods along the Varn river could cool the market in the weeks ahead.",
        body=(
            "The average price of a detached house in the north rose 0.8 percent from January to 2.94 million crowns, and was 5.6 percent higher than a year earlier. Apartment prices in Kessling rose 1.1 percent in the month.",
            "\"Buyers have come back because they expect interest rates to fall this year,\" said Mikael Strand, chief economist at the estate agency chain Nordhem. \"The question now is whether the floods make people think twice about the river districts.\"",
            "Agents in Kessling said several sales in riverside streets had been put on hold since the flood. \"Nobody wants to sign a contract on a house that is still drying out,\" said local agent Petra Lind.",
            "The land registry said the number of sales was 3 percent lower than a year earlier, as a shortage of homes for sale continued to push prices up even with fewer buyers active.",
            "Builders have started fewer than 2,000 homes in the northern counties over the past year, the lowest number since records began in 1991, according to the construction federation.",
        ),
    ),
)

STORY_BY_KEY: dict[str, Story] = {s.key: s for s in STORIES}

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def month_day(date: str) -> str:
    """'2026-03-02' -> 'March 2'."""
    y, m, d = date.split("-")
    return f"{MONTHS[int(m) - 1]} {int(d)}"
