#!/usr/bin/env python3
"""Generates the search benchmark's database (issue #11, benchmark 3): 1,000,000 customers with
10,000,000 contacts, written straight into a database that `balie migrate --database FILE` created, so
the schema, the FTS5 table `customer_name` and its triggers are the product's own.

Names are a Dutch mix: Dutch, Turkish, Moroccan (Arabic, transliterated), Polish, with accents where those
names have them; `search_name` is folded as `SearchText.fold` folds it (lower case, diacritics removed,
ı ł ø ß đ æ œ ð þ by hand). Generation only: `PRAGMA synchronous=OFF` and no journal, in big transactions;
the file is put back in WAL mode at the end, as the server expects it.

Also writes QUERIES (TSV) with searches drawn from the generated customers, for bench/search/run.sh:
`name<TAB>family-name prefix`, `name2<TAB>given name + family-name prefix`, `number<TAB>N`,
`postcode<TAB>1234 AB<TAB>YYYY-MM-DD`.

Usage: bench/generate.py --balie .build/release/balie --database FILE --queries FILE
                         [--customers 1000000] [--contacts 10000000] [--seed 11]
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import time
import unicodedata

LETTERS = {"ı": "i", "ł": "l", "ø": "o", "ß": "ss", "đ": "d", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th"}


def fold(text: str) -> str:
    """SearchText.fold: lower case, diacritics removed, the letters that are not accented forms by hand."""
    lowered = text.lower()
    stripped = "".join(c for c in unicodedata.normalize("NFD", lowered) if not unicodedata.combining(c))
    stripped = unicodedata.normalize("NFC", stripped)
    return "".join(LETTERS.get(c, c) for c in stripped)


# Given names and family names per origin, most common first (weights fall off with rank).
ORIGINS = {
    "nl": (0.72,
           "Jan Johanna Maria Cornelis Hendrik Anna Willem Pieter Sanne Lotte Daan Sem Emma Julia Bram Femke Anouk Thijs "
           "Ruud Kees Geert Henk Ingrid Marieke Joost Wouter Esther Floor Mees Noor Lieke Hanneke Gerrit Klaas Bep Truus "
           "Wim Ria Annelies Joris Sjoerd Tjitske Hiske Fenna Jelle Rik Stijn Roos Vera Iris Eline Thomas Lucas Finn "
           "Gijs Lars Niels Koen Tim Bas Marloes Inge Mirjam Yvonne Gerda Dirk Arie Teun Mieke Frederique Reneé Chloë Zoë".split(),
           "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|Meijer|de Boer|Mulder|de Groot|Bos|Vos|"
           "Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|Dijkstra|Smits|de Graaf|van der Meer|van der Linden|Kok|"
           "Jacobs|de Haan|Vermeulen|van den Heuvel|van der Veen|van den Broek|de Bruijn|de Bruin|van der Heijden|Schouten|"
           "van Beek|Willems|van Vliet|van de Ven|Hoekstra|Maas|Verhoeven|Koster|van Dam|van der Wal|Prins|Blom|Huisman|"
           "Peeters|de Jonge|Kuipers|van Veen|Post|Kuiper|Veenstra|Kramer|van den Brink|Scholten|van Wijk|Postma|Martens|"
           "Vink|de Ruiter|Timmermans|Groen|Gerritsen|Jonker|van Loon|Boer|van der Velde|Willemsen|Smeets|de Lange|de Vos|"
           "Bosch|van Dongen|Schipper|de Koning|van der Laan|Koning|van der Velden|Driessen|van Doorn|Hermans|Evers|"
           "van den Bosch|van der Meulen|Hofman|Bosman|Wolters|Sijbesma|Hoogeveen|Kloosterman|Wijnands|IJzerman|Oudshoorn|"
           "Verbeek|Brinkman|Mertens|Beekman|Tuinman|Zwart|Gorter|Roelofs|Hazelaar|Terpstra|Wiersma|Bouwmeester|Claassen|"
           "Overbeek|Schreuder|van Houten|Doornbos|Lammers|Aalbers|Boersma|Zijlstra|Groeneveld|Rietveld|Kempenaar|"
           "van Rijn|Molenaar|Stam|van Os|Pronk|Ruijs|Wouters|Sanders|Hoek|Moerman|Keijzer|Ooms|Eijkelenboom".split("|")),
    "tr": (0.10,
           "Mehmet Ahmet Mustafa Ali Hüseyin Hasan İbrahim İsmail Osman Yusuf Murat Ömer Ramazan Halil Süleyman Abdullah "
           "Fatma Ayşe Emine Hatice Zeynep Elif Meryem Şerife Zehra Sultan Hanife Merve Özlem Yasemin Gül Esra Büşra "
           "Kübra Tuğba Derya Gülsüm Çağlar Serkan Emre Burak Gökhan Özgür Şükrü Tülay Nurcan".split(),
           "Yılmaz|Kaya|Demir|Şahin|Çelik|Yıldız|Yıldırım|Öztürk|Aydın|Özdemir|Arslan|Doğan|Kılıç|Aslan|Çetin|Kara|Koç|"
           "Kurt|Özkan|Şimşek|Polat|Özcan|Korkmaz|Çakır|Erdoğan|Yavuz|Can|Acar|Şen|Aktaş|Güler|Yalçın|Güneş|Bozkurt|"
           "Bulut|Keskin|Ünal|Turan|Gül|Özer|Işık|Kaplan|Avcı|Sarı|Tekin|Taş|Köse|Yüksel|Ateş|Aksoy|Uçar|Tunç|Karataş".split("|")),
    "ma": (0.10,
           "Mohamed Mohammed Ahmed Youssef Said Mustapha Abdelkader Rachid Hamid Karim Khalid Nordin Bilal Hamza Ayoub "
           "Fatima Khadija Aicha Naima Malika Samira Latifa Nadia Soumaya Hafsa Imane Salma Yasmina Houda Zineb Meryem "
           "Driss Hassan Abdelaziz Mimoun Brahim Ilham Loubna Ikram".split(),
           "El Amrani|Bennani|El Idrissi|Benali|El Khattabi|Boukhari|Ait Taleb|El Haddouchi|Azzouzi|Bouzid|El Ouardi|"
           "Chaouki|Belhaj|El Hamdaoui|Ziani|Amrani|Tahiri|Alaoui|Bakkali|El Mansouri|Ouali|Lahlou|Berrada|Saidi|"
           "Benjelloun|El Fassi|Bouazza|Haddou|El Bouzidi|Ammari|Achahbar|Ouaali|Boulaich|Ben Brahim|El Youssfi|"
           "Aboutaleb|Marzouk|Talbi|Rifi|El Ghazaoui|Kaddouri|Zerouali|Akrouh|محمد|العمراني".split("|")),
    "pl": (0.05,
           "Piotr Krzysztof Andrzej Tomasz Paweł Michał Marcin Łukasz Grzegorz Józef Wojciech Mateusz Jakub Kamil "
           "Anna Maria Katarzyna Małgorzata Agnieszka Barbara Ewa Krystyna Elżbieta Magdalena Joanna Zofia Monika "
           "Dorota Aleksandra Beata Żaneta Jolanta Bożena Jadwiga Halina Grażyna Łucja".split(),
           "Nowak|Kowalski|Kowalska|Wiśniewski|Wiśniewska|Wójcik|Kowalczyk|Kamiński|Kamińska|Lewandowski|Lewandowska|"
           "Zieliński|Zielińska|Szymański|Woźniak|Dąbrowski|Dąbrowska|Kozłowski|Jankowski|Mazur|Kwiatkowski|Krawczyk|"
           "Piotrowski|Grabowski|Nowakowski|Pawłowski|Michalski|Król|Wieczorek|Jabłoński|Wróbel|Nowicki|Majewski|"
           "Olszewski|Stępień|Jaworski|Malinowski|Dudek|Adamczyk|Górski|Sikora|Ostrowski|Baran|Duda|Szewczyk|Łukasik".split("|")),
    "other": (0.03,
              "Priya Rahul Anjali Sunita Kwame Ama Kofi Abena Oleksandr Olena Ivan Natalia Sergio Lucía Giulia Marco "
              "Ngozi Chinedu Thi Minh Huong Nguyen Chen Wei Li Na Søren Ørjan Þóra".split(),
              "Singh|Sharma|Patel|Mensah|Owusu|Boateng|Shevchenko|Kovalenko|Bondarenko|García|Rodríguez|Rossi|Ferrari|"
              "Okafor|Nwosu|Nguyen|Tran|Chen|Wang|Li|Zhang|Sørensen|Jørgensen|Þórsdóttir|Müller|Schäfer|Łoś|Çakmak".split("|")),
}

CHANNELS = ["phone", "email", "chat", "app", "web", "letter", "branch", "kiosk-assisted", "remote-assisted"]
CHANNEL_WEIGHTS = [22, 18, 10, 15, 15, 8, 6, 4, 2]
TOPICS = ["Toeslagen aanvragen", "Belastingaangifte", "DigiD activeren", "Adreswijziging", "Paspoort verlengen",
          "Betaalregeling", "Pinpas geblokkeerd", "Internetbankieren instellen", "Bibliotheekpas verlengen",
          "Huurtoeslag wijziging", "Zorgtoeslag terugbetalen", "Parkeervergunning", "Afvalpas", "Rijbewijs verlengen",
          "Bezwaar maken", "Uitkering aanvragen", "Inschrijving BRP", "Machtiging regelen", "Mijn Overheid berichtenbox",
          "Overboeking controleren", "Adres bank wijzigen", "Lening aflossen", "Cursus digitale vaardigheden"]
SUMMARIES = ["Klant belde met vragen over de brief van vorige week; uitgelegd wat er moet gebeuren.",
             "Formulier samen ingevuld en verstuurd; bevestiging per post volgt.",
             "Klant wilde weten waarom het bedrag lager is; berekening doorgelopen.",
             "Wachtwoord opnieuw ingesteld en inloggen samen geoefend.",
             "Doorverwezen naar het juridisch loket voor verdere hulp.",
             "Klant kon niet inloggen; DigiD-code opnieuw aangevraagd.",
             "Betaling gecontroleerd, alles in orde; klant gerustgesteld.",
             "Afspraak gemaakt voor een vervolggesprek op het kantoor.",
             "Bericht in de app gelezen en toegelicht in eenvoudige taal.",
             "Vraag doorgezet naar de afdeling; terugbelverzoek genoteerd."]
OUTCOMES = ["opgelost", "deels opgelost", "doorverwezen", "terugbellen", "afgerond"]
LANGUAGES = {"nl": "nl", "tr": "tr", "ma": "ar", "pl": "pl", "other": "en"}


def zipf_weights(n: int, s: float = 0.9) -> list[float]:
    return [1 / (rank ** s) for rank in range(1, n + 1)]


def migrate(balie: str, database: str) -> None:
    subprocess.run([balie, "migrate", "--database", database], check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--balie", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--sample", type=int, default=2000, help="queries per kind")
    args = parser.parse_args()

    started = time.monotonic()
    rng = random.Random(args.seed)
    temporary = args.database + ".partial"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(temporary + suffix):
            os.remove(temporary + suffix)
    migrate(args.balie, temporary)

    db = sqlite3.connect(temporary, isolation_level=None)
    db.execute("PRAGMA journal_mode=DELETE")   # out of WAL, so that the journal can be switched off
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")   # 1 GB page cache, generation only
    db.execute("PRAGMA foreign_keys=OFF")

    origins = list(ORIGINS)
    origin_weights = [ORIGINS[o][0] for o in origins]
    given = {o: ORIGINS[o][1] for o in origins}
    family = {o: ORIGINS[o][2] for o in origins}
    given_w = {o: zipf_weights(len(given[o])) for o in origins}
    family_w = {o: zipf_weights(len(family[o]), 0.8) for o in origins}
    # A long tail of rarer Dutch family names, as a real population has: root + ending.
    roots = ["Berg", "Dijk", "Veld", "Hout", "Brink", "Kamp", "Hof", "Broek", "Wal", "Laan", "Bos", "Horst", "Hoeve",
             "Water", "Molen", "Kerk", "Zand", "Steen", "Weide", "Beek", "Heuvel", "Linde", "Akker", "Gaarde"]
    fronts = ["Oost", "West", "Noord", "Zuid", "Groot", "Klein", "Hooge", "Lange", "Nieuw", "Oude", "Schoon", "Wit",
              "Zwart", "Rooze", "Eik", "Beuk", "Es", "Wilg", "Bloem", "Ven", "Vree", "Ster", "Zon", "Maan"]
    endings = ["", "man", "s", "er", "ink", "ing", "ma", "stra", "huis", "kamp"]

    def rare_dutch() -> str:
        name = rng.choice(fronts) + rng.choice(roots).lower() + rng.choice(endings)
        return rng.choice(["", "", "", "van ", "van de ", "ter ", "de "]) + name

    postcode_letters = "ABCDEFGHJKLMNPRSTVWXZ"
    sample_every = max(1, args.customers // (args.sample * 3))
    samples: list[tuple] = []

    print(f"generating {args.customers:,} customers …", flush=True)
    db.execute("BEGIN")
    batch = []
    insert_customer = """
        INSERT INTO customer(id, number, given_name, family_name, birth_date, postcode, phone, email, preferred_channel, language,
                             accessibility_needs, form_of_address, note, search_name)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
    channels_pref = ["phone", "letter", "email", "app", "in-person"]
    for i in range(1, args.customers + 1):
        origin = rng.choices(origins, origin_weights)[0]
        g = rng.choices(given[origin], given_w[origin])[0]
        if origin == "nl" and rng.random() < 0.35:
            f = rare_dutch()
        else:
            f = rng.choices(family[origin], family_w[origin])[0]
        number = str(10_000_000 + i)
        year = rng.randint(1925, 2007)
        birth = f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        postcode = f"{rng.randint(1000, 9999)} {rng.choice(postcode_letters)}{rng.choice(postcode_letters)}"
        phone = f"06{rng.randint(10000000, 99999999)}" if rng.random() < 0.8 else None
        email = f"{fold(g)[:12]}.{i}@example.nl" if rng.random() < 0.6 and fold(g).isascii() else None
        batch.append((i, number, g, f, birth, postcode, phone, email, rng.choice(channels_pref), LANGUAGES[origin],
                      "", "full-name", None, fold(f"{g} {f}")))
        if i % sample_every == 0:
            samples.append((number, g, f, postcode, birth))
        if len(batch) == 50_000:
            db.executemany(insert_customer, batch)
            batch.clear()
        if i % 200_000 == 0:
            print(f"  {i:,} customers, {time.monotonic() - started:.0f} s", flush=True)
    if batch:
        db.executemany(insert_customer, batch)
    db.execute("COMMIT")

    print(f"generating {args.contacts:,} contacts …", flush=True)
    # Contacts per customer: 0 to 20 (mean 10), the remainder spread so that the total is exact.
    per_customer = args.contacts / args.customers
    insert_contact = """
        INSERT INTO contact(customer_id, channel, at, topic, summary, outcome, source_system) VALUES (?, ?, ?, ?, ?, ?, ?)"""
    now = 1_764_000_000.0
    five_years = 5 * 365 * 86400
    written = 0
    db.execute("BEGIN")
    batch = []
    for customer in range(1, args.customers + 1):
        remaining_customers = args.customers - customer + 1
        target = (args.contacts - written) / remaining_customers
        if customer == args.customers:
            count = args.contacts - written
        else:
            count = max(0, min(int(2 * per_customer), int(round(rng.uniform(0, 2 * target)))))
        at = now - five_years + rng.uniform(0, 86400)
        step = five_years / max(count, 1)
        for _ in range(count):
            at += rng.uniform(60, step)
            batch.append((customer, rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0], round(at, 3), rng.choice(TOPICS),
                          rng.choice(SUMMARIES), rng.choice(OUTCOMES), "crm"))
        written += count
        if len(batch) >= 100_000:
            db.executemany(insert_contact, batch)
            batch.clear()
        if customer % 100_000 == 0:
            db.execute("COMMIT")
            db.execute("BEGIN")
            print(f"  {written:,} contacts, {time.monotonic() - started:.0f} s", flush=True)
    if batch:
        db.executemany(insert_contact, batch)
    db.execute("COMMIT")

    print("merging the full-text index, ANALYZE …", flush=True)
    db.execute("INSERT INTO customer_name(customer_name) VALUES ('optimize')")
    db.execute("ANALYZE")
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(args.database + suffix):
            os.remove(args.database + suffix)
    os.replace(temporary, args.database)

    rng.shuffle(samples)
    with open(args.queries, "w", encoding="utf-8") as out:
        for number, g, f, postcode, birth in samples[: args.sample]:
            # What staff type: the first letters of the family name (at least 4, or the whole word).
            word = f.split()[-1]
            out.write(f"name\t{word[: max(4, min(len(word), 5))]}\n")
        for number, g, f, postcode, birth in samples[args.sample: 2 * args.sample]:
            word = f.split()[-1]
            out.write(f"name2\t{g} {word[:4]}\n")
        for number, g, f, postcode, birth in samples[: args.sample]:
            out.write(f"number\t{number}\n")
        for number, g, f, postcode, birth in samples[2 * args.sample: 3 * args.sample]:
            out.write(f"postcode\t{postcode}\t{birth}\n")
    size = os.path.getsize(args.database)
    print(f"done in {time.monotonic() - started:.0f} s: {args.database}, {size / 1e9:.2f} GB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
