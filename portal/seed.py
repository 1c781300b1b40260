"""Demo data: five brands, their staff and realistic clients, safe to run again (seed-demo).

Clients go in with Core bulk inserts, generated in a worker process while this one writes, so
100,000 clients per brand take well under a minute on SQLite. Each client comes from its own
random.Random seeded by (brand slug, sequence number): a rerun, or a larger --clients later,
gives the same rows for the same sequence numbers (dates are relative to the day of the run).
"""

from __future__ import annotations

import gc
import multiprocessing
import re
import sys
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import nullcontext
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache
from random import Random
from typing import Any, NamedTuple

from sqlalchemy import func, insert, select, update

from portal.extensions import db
from portal.models import (
    Address,
    Asset,
    AssetStatus,
    Brand,
    CardKind,
    Client,
    ClientGroup,
    ClientGroupMapping,
    ClientKind,
    ClientStatus,
    Contact,
    Contract,
    Document,
    DocumentKind,
    Membership,
    PaymentMethod,
    PaymentStatus,
    PermissionGroup,
    Role,
    Segment,
    User,
    client_search_text,
    utcnow,
)
from portal.passwords import hash_password
from portal.text import fold

Row = dict[str, Any]


class BrandSpec(NamedTuple):
    slug: str
    name: str
    parent: str | None
    locale: str
    country: str
    theme_color: str
    tracking_url_template: str
    prefix: str  # of provider_user_id: "NW-000001"
    admin_name: str
    reseller_name: str


class City(NamedTuple):
    name: str
    region: str
    phone_prefixes: tuple[str, ...]  # national landline prefixes, area code included
    registry_codes: tuple[str, ...]  # PL: tax office (NIP prefix); BR: NIRE state code
    districts: tuple[tuple[str, str], ...]  # (sub-locality, postcode pattern: # digit, @ letter)


class CompanyPattern(NamedTuple):
    core: str  # "{surname}" or "{city}" is filled in; the core also names the web domain
    suffixes: tuple[str, ...]
    segment: Segment


class Country(NamedTuple):
    code: str
    calling_code: str
    national_length: int  # of landline numbers, without the trunk 0
    mobile_prefixes: tuple[str, ...]  # whole blocks that are valid mobile ranges
    mobile_length: int
    local_starts: str  # first digit of a local landline number after the prefix ("" = any)
    currency: str
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    streets: tuple[str, ...]
    complements: tuple[str, ...]
    cities: tuple[City, ...]
    companies: tuple[CompanyPattern, ...]
    company_mailboxes: tuple[str, ...]
    mail_domains: tuple[str, ...]
    owner_role: str
    contact_roles: tuple[str, ...]
    plans: tuple[tuple[str, int], ...]  # (plan name, price per device in cents)
    card_networks: tuple[str, ...]
    vehicles: tuple[tuple[str, tuple[str, ...]], ...]  # (kind, models)
    stock_label: str  # name of a device waiting in stock


# --- Brands and staff ------------------------------------------------------------------------

DEMO_BRANDS: tuple[BrandSpec, ...] = (
    BrandSpec("northwind", "Northwind Tracking", None, "en", "GB", "#1e3a8a",
              "https://tracking.{country}.northwind.example", "NW",
              "Oliver Bennett", "Charlotte Hughes"),
    BrandSpec("northwind-premium", "Northwind Premium", "northwind", "en", "GB", "#4c1d95",
              "https://tracking.{country}.premium.northwind.example", "NP",
              "James Whitaker", "Amelia Clarke"),
    BrandSpec("lumiere", "Lumière Télématique", None, "fr", "FR", "#9d174d",
              "https://tracking.{country}.lumiere.example", "LT",
              "Camille Lefèvre", "Julien Moreau"),
    BrandSpec("horizonte", "Horizonte Rastreamento", None, "pt", "BR", "#065f46",
              "https://tracking.{country}.horizonte.example", "HR",
              "Mariana Albuquerque", "João Gonçalves"),
    BrandSpec("polaris", "Polaris Lokalizacja", None, "pl", "PL", "#b91c1c",
              "https://tracking.{country}.polaris.example", "PL",
              "Katarzyna Wiśniewska", "Tomasz Zieliński"),
)  # fmt: skip

PLATFORM_ADMIN = ("admin@demo.test", "Platform Admin")
# Staff of a parent brand also work in its sub-brands, with the same role.
INHERITED_STAFF = {"northwind-premium": "northwind"}

# --- Countries -------------------------------------------------------------------------------

GB = Country(
    code="GB", calling_code="44", national_length=10,
    mobile_prefixes=("740", "741", "742", "743", "744", "746", "747", "748", "749", "751",
                     "753", "754", "755", "756", "757", "758", "759", "771", "772", "773",
                     "774", "775", "776", "777", "780", "781", "784", "785", "786", "787",
                     "788", "789", "790", "792", "794", "795", "796", "797", "798", "799"),
    mobile_length=10, local_starts="", currency="GBP",
    male=("Oliver", "George", "Harry", "Jack", "Thomas", "James", "William", "Charlie", "Daniel",
          "Samuel", "Joseph", "Matthew", "Ryan", "Callum", "Liam", "Rhys", "Owen", "Hamish",
          "Fraser", "Mohammed"),
    female=("Amelia", "Olivia", "Emily", "Isla", "Sophie", "Jessica", "Charlotte", "Chloe",
            "Grace", "Lucy", "Hannah", "Megan", "Eilidh", "Siobhan", "Rebecca", "Laura",
            "Katie", "Priya"),
    surnames=("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
              "Robinson", "Wright", "Thompson", "Evans", "Walker", "Roberts", "Green", "Hall",
              "Wood", "Jackson", "Clarke", "Harris", "Hughes", "Edwards", "Patel", "Khan",
              "Campbell", "MacDonald", "O'Neill", "Murphy", "Turner", "Cooper", "Lewis",
              "Morgan", "Whitaker", "Fletcher", "Baker", "Shaw", "Ahmed", "Fraser"),
    streets=("High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane",
             "Park Road", "London Road", "King Street", "Queen's Road", "Albert Road",
             "Manor Road", "Green Lane", "Commercial Street", "Canal Side", "Dock Road",
             "Brunswick Street", "Trafalgar Way", "Riverside Drive"),
    complements=("Unit 4", "Unit 12", "Flat 2", "Suite 3", "Ground Floor", "Yard B",
                 "Riverside Industrial Estate"),
    cities=(
        City("London", "Greater London", ("207", "208"), (), (
            ("Whitechapel", "E1 #@@"), ("Bethnal Green", "E2 #@@"), ("Stratford", "E15 #@@"),
            ("Islington", "N1 #@@"), ("Camden Town", "NW1 #@@"), ("Southwark", "SE1 #@@"),
            ("Brixton", "SW9 #@@"), ("Wimbledon", "SW19 #@@"), ("Hammersmith", "W6 #@@"),
            ("Croydon", "CR0 #@@"))),
        City("Manchester", "Greater Manchester", ("1612", "1613", "1614", "1617", "1618"), (), (
            ("City Centre", "M1 #@@"), ("Ancoats", "M4 #@@"), ("Cheetham Hill", "M8 #@@"),
            ("Moss Side", "M14 #@@"), ("Trafford Park", "M17 #@@"), ("Didsbury", "M20 #@@"),
            ("Chorlton", "M21 #@@"))),
        City("Birmingham", "West Midlands", ("1212", "1213", "1214", "1215", "1216"), (), (
            ("Digbeth", "B5 #@@"), ("Aston", "B6 #@@"), ("Small Heath", "B10 #@@"),
            ("Edgbaston", "B15 #@@"), ("Jewellery Quarter", "B18 #@@"),
            ("Erdington", "B23 #@@"))),
        City("Leeds", "West Yorkshire", ("1132", "1133", "1134", "1135"), (), (
            ("Headingley", "LS6 #@@"), ("Chapel Allerton", "LS7 #@@"), ("Hunslet", "LS10 #@@"),
            ("Holbeck", "LS11 #@@"), ("Armley", "LS12 #@@"))),
        City("Glasgow", "Glasgow City", ("1412", "1413", "1414", "1415", "1416"), (), (
            ("Merchant City", "G1 #@@"), ("Partick", "G11 #@@"), ("Dennistoun", "G31 #@@"),
            ("Shawlands", "G41 #@@"), ("Govan", "G51 #@@"))),
        City("Edinburgh", "City of Edinburgh", ("1312", "1313", "1314", "1315", "1316"), (), (
            ("Leith", "EH6 #@@"), ("Morningside", "EH10 #@@"), ("Gorgie", "EH11 #@@"),
            ("Portobello", "EH15 #@@"))),
        City("Bristol", "Bristol", ("1172", "1173", "1174", "1179"), (), (
            ("St Pauls", "BS2 #@@"), ("Bedminster", "BS3 #@@"), ("Clifton", "BS8 #@@"),
            ("Avonmouth", "BS11 #@@"), ("Fishponds", "BS16 #@@"))),
        City("Liverpool", "Merseyside", ("1512", "1514", "1515", "1517"), (), (
            ("Anfield", "L4 #@@"), ("Everton", "L5 #@@"), ("Toxteth", "L8 #@@"),
            ("Wavertree", "L15 #@@"), ("Speke", "L24 #@@"))),
        City("Cardiff", "Cardiff", ("2920", "2921", "2922"), (), (
            ("Butetown", "CF10 #@@"), ("Cathays", "CF24 #@@"), ("Roath", "CF24 #@@"),
            ("Canton", "CF5 #@@"), ("Llandaff", "CF5 #@@"))),
    ),
    companies=(
        CompanyPattern("{surname} Haulage", ("Ltd", "Ltd", "Limited"), Segment.OTHER),
        CompanyPattern("{surname} & Sons Transport", ("Ltd",), Segment.OTHER),
        CompanyPattern("{surname} Logistics", ("Ltd", "Limited", "PLC"), Segment.OTHER),
        CompanyPattern("{surname} Couriers", ("Ltd",), Segment.OTHER),
        CompanyPattern("{surname} Removals", ("Ltd",), Segment.OTHER),
        CompanyPattern("{city} Cabs", ("Ltd",), Segment.OTHER),
        CompanyPattern("{surname} Van Hire", ("Ltd",), Segment.RENTAL),
        CompanyPattern("{city} Plant Hire", ("Ltd", "Limited"), Segment.RENTAL),
        CompanyPattern("{surname} Motors", ("Ltd",), Segment.DEALER),
        CompanyPattern("{surname} Fleet Services", ("Ltd",), Segment.SERVICE_PROVIDER),
    ),
    company_mailboxes=("info", "office", "accounts", "enquiries"),
    mail_domains=("btinternet.example", "outlook.example", "sky.example", "gmail.example"),
    owner_role="Owner",
    contact_roles=("Fleet manager", "Transport manager", "Operations manager", "Accounts",
                   "Director", "Workshop supervisor"),
    plans=(("Fleet Essentials", 1250), ("Fleet Pro", 1990), ("Fleet Premium", 2900)),
    card_networks=("visa", "visa", "visa", "mastercard", "mastercard", "amex"),
    vehicles=(("Van", ("Ford Transit", "Mercedes-Benz Sprinter", "Vauxhall Vivaro",
                       "Volkswagen Crafter")),
              ("Lorry", ("DAF XF", "Scania R 450", "Volvo FH")),
              ("Car", ("Ford Focus", "Vauxhall Astra", "Škoda Octavia")),
              ("Pickup", ("Toyota Hilux", "Ford Ranger"))),
    stock_label="Spare tracker",
)  # fmt: skip

FR = Country(
    code="FR", calling_code="33", national_length=9,
    mobile_prefixes=("60", "61", "62", "64", "65", "66", "67", "68", "73", "74", "75", "76",
                     "77", "78"),
    mobile_length=9, local_starts="", currency="EUR",
    male=("Lucas", "Hugo", "Louis", "Gabriel", "Arthur", "Jules", "Thomas", "Nicolas",
          "Julien", "Maxime", "Antoine", "Pierre", "Mathieu", "Théo", "Raphaël", "Jérôme",
          "François", "Stéphane", "Benoît", "Cédric"),
    female=("Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Marie",
            "Élodie", "Céline", "Aurélie", "Hélène", "Mathilde", "Clémence", "Margaux",
            "Noémie", "Anaïs"),
    surnames=("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
              "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David",
              "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
              "Dupont", "Lambert", "Bonnet", "François", "Legrand", "Garnier", "Faure",
              "Rousseau", "Blanc", "Guérin", "Chevalier", "Gauthier", "Perrin", "Lemaître",
              "Ménard", "Hébert"),
    streets=("rue de la République", "avenue Jean Jaurès", "boulevard Victor Hugo",
             "rue Pasteur", "rue du Général Leclerc", "place de la Mairie", "rue des Écoles",
             "avenue de la Libération", "rue Émile Zola", "chemin des Vignes",
             "allée des Tilleuls", "rue Saint-Éloi", "quai des Chartrons", "rue de l'Église",
             "impasse des Acacias", "route de Lyon"),
    complements=("Bâtiment B", "2e étage", "ZI des Landes", "Lot 4", "Boîte postale 12",
                 "Résidence Les Pins", "Hall C"),
    cities=(
        City("Paris", "Île-de-France", ("14", "15"), (), (
            ("1er arrondissement", "75001"), ("3e arrondissement", "75003"),
            ("9e arrondissement", "75009"), ("11e arrondissement", "75011"),
            ("12e arrondissement", "75012"), ("13e arrondissement", "75013"),
            ("15e arrondissement", "75015"), ("17e arrondissement", "75017"),
            ("18e arrondissement", "75018"), ("20e arrondissement", "75020"))),
        City("Lyon", "Auvergne-Rhône-Alpes", ("472", "478"), (), (
            ("Presqu'île", "69002"), ("Part-Dieu", "69003"), ("Croix-Rousse", "69004"),
            ("Gerland", "69007"), ("Monplaisir", "69008"), ("Vaise", "69009"))),
        City("Marseille", "Provence-Alpes-Côte d'Azur", ("491",), (), (
            ("La Joliette", "13002"), ("Castellane", "13006"), ("Le Prado", "13008"),
            ("Sainte-Marguerite", "13009"), ("La Capelette", "13010"),
            ("Saint-Henri", "13016"))),
        City("Toulouse", "Occitanie", ("561", "562"), (), (
            ("Capitole", "31000"), ("Mirail", "31100"), ("Minimes", "31200"),
            ("Saint-Cyprien", "31300"), ("Rangueil", "31400"), ("Côte Pavée", "31500"))),
        City("Bordeaux", "Nouvelle-Aquitaine", ("556", "557"), (), (
            ("Saint-Pierre", "33000"), ("La Bastide", "33100"), ("Caudéran", "33200"),
            ("Chartrons", "33300"), ("Saint-Michel", "33800"))),
        City("Lille", "Hauts-de-France", ("320",), (), (
            ("Wazemmes", "59000"), ("Vauban-Esquermes", "59000"), ("Vieux-Lille", "59800"),
            ("Fives", "59800"))),
        City("Nantes", "Pays de la Loire", ("240",), (), (
            ("Centre-ville", "44000"), ("Chantenay", "44100"), ("Île de Nantes", "44200"),
            ("Doulon", "44300"))),
        City("Strasbourg", "Grand Est", ("388",), (), (
            ("Krutenau", "67000"), ("Robertsau", "67000"), ("Neudorf", "67100"),
            ("Meinau", "67100"), ("Cronenbourg", "67200"))),
    ),
    companies=(
        CompanyPattern("Transports {surname}", ("SARL", "SAS", "SA"), Segment.OTHER),
        CompanyPattern("{surname} Logistique", ("SAS", "SARL"), Segment.OTHER),
        CompanyPattern("Ambulances {surname}", ("SARL",), Segment.OTHER),
        CompanyPattern("Taxis {surname}", ("EURL", "SARL"), Segment.OTHER),
        CompanyPattern("Déménagements {surname}", ("SARL",), Segment.OTHER),
        CompanyPattern("Messagerie {city}", ("SAS",), Segment.OTHER),
        CompanyPattern("{surname} Location", ("SARL", "SAS"), Segment.RENTAL),
        CompanyPattern("Location Utilitaires {city}", ("SAS",), Segment.RENTAL),
        CompanyPattern("Garage {surname}", ("SARL", "EURL"), Segment.DEALER),
        CompanyPattern("{surname} Télématique Services", ("SAS",), Segment.SERVICE_PROVIDER),
    ),
    company_mailboxes=("contact", "accueil", "compta", "exploitation"),
    mail_domains=("orange.example", "free.example", "laposte.example", "sfr.example"),
    owner_role="Titulaire du compte",
    contact_roles=("Gestionnaire de flotte", "Responsable d'exploitation", "Comptabilité",
                   "Gérant", "Chef d'atelier", "Responsable logistique"),
    plans=(("Essentiel Flotte", 1490), ("Flotte Pro", 2290), ("Flotte Premium", 3490)),
    card_networks=("visa", "visa", "mastercard", "mastercard", "cb"),
    vehicles=(("Camionnette", ("Renault Master", "Peugeot Boxer", "Citroën Jumpy",
                               "Renault Trafic")),
              ("Camion", ("Renault T", "Iveco S-Way", "Mercedes-Benz Actros")),
              ("Voiture", ("Renault Clio", "Peugeot 308", "Citroën C4")),
              ("Fourgon", ("Fiat Ducato", "Ford Transit"))),
    stock_label="Boîtier en stock",
)  # fmt: skip

BR = Country(
    code="BR", calling_code="55", national_length=10,
    mobile_prefixes=("96", "97", "98", "99"),  # after the city's area code
    mobile_length=9, local_starts="2345", currency="BRL",
    male=("João", "Pedro", "Lucas", "Gabriel", "Rafael", "Guilherme", "Mateus", "Gustavo",
          "Felipe", "Thiago", "Bruno", "Rodrigo", "André", "Marcelo", "Carlos", "José",
          "Antônio", "Sebastião", "Luís", "Vinícius", "Otávio"),
    female=("Ana", "Maria", "Juliana", "Fernanda", "Beatriz", "Larissa", "Camila", "Letícia",
            "Gabriela", "Mariana", "Patrícia", "Luana", "Vitória", "Júlia", "Cecília", "Lúcia",
            "Débora", "Tânia", "Renata"),
    surnames=("Silva", "da Silva", "Santos", "dos Santos", "Oliveira", "de Oliveira", "Souza",
              "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes", "Costa", "Ribeiro",
              "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes", "Vieira",
              "Barbosa", "Rocha", "Dias", "Nascimento", "Araújo", "Moreira", "Cavalcanti",
              "Monteiro", "Mendes", "Freitas", "Cardoso", "Gonçalves", "Magalhães", "Brandão",
              "da Conceição", "Teixeira", "Guimarães", "Assunção"),
    streets=("Rua das Flores", "Avenida Brasil", "Rua XV de Novembro", "Rua Sete de Setembro",
             "Avenida Getúlio Vargas", "Rua Dom Pedro II", "Rua São João",
             "Avenida Santos Dumont", "Rua Tiradentes", "Rua da Conceição",
             "Travessa São José", "Avenida Presidente Kennedy", "Rua Marechal Deodoro",
             "Rua Barão do Rio Branco", "Estrada do Açude", "Alameda dos Ipês"),
    complements=("Sala 12", "Galpão 3", "Apto 41", "Bloco B", "Loja 2", "Fundos",
                 "Conjunto 804"),
    cities=(
        City("São Paulo", "SP", ("11",), ("35",), (
            ("Bela Vista", "01310-###"), ("Santana", "02012-###"), ("Mooca", "03164-###"),
            ("Tatuapé", "03066-###"), ("Moema", "04077-###"), ("Vila Mariana", "04101-###"),
            ("Itaim Bibi", "04530-###"), ("Lapa", "05068-###"), ("Pinheiros", "05422-###"))),
        City("Rio de Janeiro", "RJ", ("21",), ("33",), (
            ("Tijuca", "20511-###"), ("Méier", "20735-###"), ("Copacabana", "22041-###"),
            ("Botafogo", "22250-###"), ("Barra da Tijuca", "22640-###"),
            ("Campo Grande", "23050-###"))),
        City("Belo Horizonte", "MG", ("31",), ("31",), (
            ("Centro", "30120-###"), ("Savassi", "30140-###"), ("Lourdes", "30180-###"),
            ("Barreiro", "30640-###"), ("Pampulha", "31270-###"))),
        City("Curitiba", "PR", ("41",), ("41",), (
            ("Centro", "80020-###"), ("Água Verde", "80240-###"), ("Batel", "80420-###"),
            ("Portão", "80610-###"), ("Boqueirão", "81650-###"))),
        City("Porto Alegre", "RS", ("51",), ("43",), (
            ("Centro Histórico", "90010-###"), ("Menino Deus", "90130-###"),
            ("Navegantes", "90240-###"), ("Moinhos de Vento", "90570-###"),
            ("Sarandi", "91110-###"))),
        City("Salvador", "BA", ("71",), ("29",), (
            ("Comércio", "40015-###"), ("Barra", "40140-###"), ("Itapuã", "41610-###"),
            ("Pituba", "41830-###"))),
        City("Recife", "PE", ("81",), ("26",), (
            ("Santo Amaro", "50040-###"), ("Boa Viagem", "51020-###"),
            ("Imbiribeira", "51170-###"), ("Casa Forte", "52061-###"))),
        City("Campinas", "SP", ("19",), ("35",), (
            ("Centro", "13010-###"), ("Cambuí", "13024-###"), ("Taquaral", "13076-###"),
            ("Barão Geraldo", "13084-###"))),
        City("Goiânia", "GO", ("62",), ("52",), (
            ("Setor Oeste", "74120-###"), ("Setor Bueno", "74215-###"),
            ("Campinas", "74505-###"))),
    ),
    companies=(
        CompanyPattern("Transportes {surname}", ("Ltda", "Ltda", "S.A."), Segment.OTHER),
        CompanyPattern("Transportadora {surname}", ("Ltda",), Segment.OTHER),
        CompanyPattern("{surname} Logística", ("Ltda", "ME"), Segment.OTHER),
        CompanyPattern("Expresso {city}", ("Ltda",), Segment.OTHER),
        CompanyPattern("{surname} Mudanças", ("ME", "Ltda"), Segment.OTHER),
        CompanyPattern("Rodoviário {surname}", ("Ltda", "S.A."), Segment.OTHER),
        CompanyPattern("{surname} Locadora de Veículos", ("Ltda",), Segment.RENTAL),
        CompanyPattern("{surname} Veículos", ("Ltda",), Segment.DEALER),
        CompanyPattern("{surname} Monitoramento", ("Ltda", "ME"), Segment.SERVICE_PROVIDER),
    ),
    company_mailboxes=("contato", "financeiro", "comercial", "atendimento"),
    mail_domains=("uol.example", "bol.example", "terra.example", "gmail.example"),
    owner_role="Titular",
    contact_roles=("Gestor de frota", "Gerente de operações", "Financeiro", "Sócio-diretor",
                   "Encarregado de oficina", "Coordenador de logística"),
    plans=(("Frota Básico", 5990), ("Frota Profissional", 8990), ("Frota Completo", 12990)),
    card_networks=("visa", "visa", "mastercard", "mastercard", "elo", "hipercard"),
    vehicles=(("Caminhão", ("Volvo FH", "Scania R 450", "Mercedes-Benz Axor",
                            "Volkswagen Constellation")),
              ("Van", ("Fiat Ducato", "Renault Master", "Mercedes-Benz Sprinter")),
              ("Carro", ("Fiat Strada", "Volkswagen Gol", "Chevrolet Onix")),
              ("Moto", ("Honda CG 160", "Yamaha Fazer 250"))),
    stock_label="Rastreador em estoque",
)  # fmt: skip

PL = Country(
    code="PL", calling_code="48", national_length=9,
    mobile_prefixes=("50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88"),
    mobile_length=9, local_starts="2345678", currency="PLN",
    male=("Jakub", "Jan", "Antoni", "Szymon", "Filip", "Kacper", "Mateusz", "Michał", "Tomasz",
          "Piotr", "Paweł", "Krzysztof", "Łukasz", "Marcin", "Grzegorz", "Wojciech", "Adam",
          "Bartłomiej", "Andrzej", "Rafał"),
    female=("Zuzanna", "Julia", "Maja", "Zofia", "Hanna", "Anna", "Katarzyna", "Małgorzata",
            "Agnieszka", "Magdalena", "Joanna", "Aleksandra", "Ewa", "Monika", "Natalia",
            "Dorota", "Beata", "Barbara", "Żaneta", "Jadwiga"),
    surnames=("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński",
              "Lewandowski", "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski",
              "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski",
              "Pawłowski", "Michalski", "Król", "Wieczorek", "Jabłoński", "Wróbel", "Majewski",
              "Olszewski", "Stępień", "Malinowski", "Jaworski", "Górski", "Sikora", "Zając",
              "Wróblewski", "Żak", "Łuczak", "Sadowski", "Nowicki", "Gołębiowski"),
    streets=("ul. Mickiewicza", "ul. Słowackiego", "ul. Kościuszki", "ul. Piłsudskiego",
             "ul. Długa", "ul. Polna", "ul. Leśna", "ul. Kwiatowa", "al. Jana Pawła II",
             "ul. Żeromskiego", "ul. Sienkiewicza", "ul. Jagiellońska", "ul. Łąkowa",
             "ul. Ogrodowa", "ul. Przemysłowa", "ul. Składowa"),
    complements=("lok. 5", "lok. 12", "hala B", "piętro 2", "budynek C", "pawilon 3", "m. 14"),
    cities=(
        City("Warszawa", "mazowieckie", ("22",), ("521", "522", "525", "526", "527", "951"), (
            ("Śródmieście", "00-###"), ("Wola", "01-2##"), ("Bemowo", "01-3##"),
            ("Bielany", "01-8##"), ("Mokotów", "02-5##"), ("Ursynów", "02-7##"),
            ("Targówek", "03-5##"), ("Praga-Południe", "04-0##"))),
        City("Kraków", "małopolskie", ("12",), ("675", "676", "677", "679", "945"), (
            ("Stare Miasto", "31-0##"), ("Kazimierz", "31-05#"), ("Prądnik Biały", "31-2##"),
            ("Nowa Huta", "31-9##"), ("Krowodrza", "30-0##"), ("Bronowice", "30-1##"),
            ("Podgórze", "30-5##"))),
        City("Wrocław", "dolnośląskie", ("71",), ("894", "896", "897", "898", "899"), (
            ("Stare Miasto", "50-0##"), ("Śródmieście", "50-3##"), ("Psie Pole", "51-1##"),
            ("Krzyki", "53-0##"), ("Fabryczna", "54-0##"))),
        City("Poznań", "wielkopolskie", ("61",), ("777", "778", "779", "781", "782", "783"), (
            ("Jeżyce", "60-7##"), ("Grunwald", "60-1##"), ("Stare Miasto", "61-1##"),
            ("Wilda", "61-5##"), ("Nowe Miasto", "61-3##"))),
        City("Gdańsk", "pomorskie", ("58",), ("583", "584", "604"), (
            ("Wrzeszcz", "80-2##"), ("Oliwa", "80-3##"), ("Przymorze", "80-3##"),
            ("Śródmieście", "80-8##"), ("Orunia", "80-0##"))),
        City("Łódź", "łódzkie", ("42",), ("725", "726", "727", "728", "729"), (
            ("Śródmieście", "90-0##"), ("Polesie", "90-5##"), ("Bałuty", "91-0##"),
            ("Widzew", "92-1##"), ("Górna", "93-1##"))),
        City("Szczecin", "zachodniopomorskie", ("91",), ("851", "852", "955"), (
            ("Centrum", "70-4##"), ("Prawobrzeże", "70-8##"), ("Pogodno", "71-2##"),
            ("Niebuszewo", "71-1##"))),
        City("Katowice", "śląskie", ("32",), ("634", "954"), (
            ("Śródmieście", "40-0##"), ("Bogucice", "40-2##"), ("Szopienice", "40-4##"),
            ("Brynów", "40-5##"), ("Ligota", "40-7##"))),
    ),
    companies=(
        CompanyPattern("{surname} Logistyka", ("Sp. z o.o.", "Sp. z o.o.", "S.A."),
                       Segment.OTHER),
        CompanyPattern("Trans-{surname}", ("Sp. z o.o.", "Sp. j."), Segment.OTHER),
        CompanyPattern("Przedsiębiorstwo Transportowe {surname}", ("Sp. z o.o.", "Sp. j."),
                       Segment.OTHER),
        CompanyPattern("Spedycja {surname}", ("Sp. z o.o.",), Segment.OTHER),
        CompanyPattern("Przeprowadzki {surname}", ("Sp. j.", "Sp. z o.o."), Segment.OTHER),
        CompanyPattern("Wypożyczalnia Samochodów {surname}", ("Sp. z o.o.",), Segment.RENTAL),
        CompanyPattern("Auto-{surname}", ("Sp. z o.o.", "Sp. j."), Segment.DEALER),
        CompanyPattern("{surname} Serwis Flot", ("Sp. z o.o.",), Segment.SERVICE_PROVIDER),
    ),
    company_mailboxes=("biuro", "kontakt", "ksiegowosc", "spedycja"),
    mail_domains=("wp.example", "onet.example", "interia.example", "o2.example"),
    owner_role="Właściciel",
    contact_roles=("Kierownik floty", "Kierownik operacyjny", "Księgowość", "Prezes zarządu",
                   "Kierownik warsztatu", "Spedytor"),
    plans=(("Flota Start", 4900), ("Flota Pro", 7900), ("Flota Premium", 11900)),
    card_networks=("visa", "visa", "mastercard", "mastercard"),
    vehicles=(("Ciężarówka", ("MAN TGX", "Scania R 450", "Volvo FH", "DAF XF")),
              ("Dostawczak", ("Iveco Daily", "Ford Transit", "Renault Master")),
              ("Samochód", ("Škoda Octavia", "Toyota Corolla", "Opel Astra")),
              ("Bus", ("Mercedes-Benz Sprinter", "Volkswagen Crafter"))),
    stock_label="Lokalizator w magazynie",
)  # fmt: skip

COUNTRIES: dict[str, Country] = {c.code: c for c in (GB, FR, BR, PL)}

TRACKER_MODELS = ("Teltonika FMB920", "Teltonika FMC130", "Queclink GV300", "Ruptela FM-Eco4",
                  "Concox GT06N")  # fmt: skip

# --- Proportions -----------------------------------------------------------------------------

BATCH_SIZE = 5_000
COMPANY_SHARE = 0.55
# Each child row costs about as much to insert as to generate: keep the optional ones sparse.
SECOND_CONTACT_SHARE = 0.25
DOCUMENT_SHARE = 0.4  # of clients, a scanned identity or registration document
CONTRACT_SHARE = 0.5  # of clients with at least one device
CARD_SHARE = 0.3
# Tuples for rng.choice(): cheaper than rng.choices(weights=...) in the hot loop.
ASSETS_PER_CLIENT = (0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4)  # mean 2.05
CLIENT_STATUSES = (ClientStatus.ACTIVE,) * 8 + (ClientStatus.CANCELLED, ClientStatus.BLOCKED)
PERSON_SEGMENTS = (Segment.OTHER,) * 8 + (Segment.RENTAL, Segment.SERVICE_PROVIDER)
ACTIVE_ASSET_STATUSES = (AssetStatus.ACTIVE,) * 18 + (AssetStatus.SUSPENDED,
                                                      AssetStatus.INACTIVE)  # fmt: skip
# A blocked client's devices are suspended, a cancelled one's switched off.
ASSET_STATUS_OF_CLIENT = {
    ClientStatus.BLOCKED: AssetStatus.SUSPENDED,
    ClientStatus.CANCELLED: AssetStatus.INACTIVE,
}
STOCK_PER_CLIENTS = 5  # one unassigned device in stock per five clients: 10 for 50
HISTORY_DAYS = 3 * 365

# Summary keys, in the order they are reported; the child tables, in the order they are filled.
COUNTED = ("clients_added", "addresses_added", "contacts_added", "documents_added",
           "contracts_added", "payment_methods_added", "assets_added")  # fmt: skip
CHILD_MODELS = (Address, Contact, Document, Contract, PaymentMethod, Asset)

# --- Public entry point ----------------------------------------------------------------------


def seed_demo(password: str, clients_per_brand: int = 50) -> dict[str, int]:
    """Idempotent demo data. Returns a summary, e.g. {"brands": 5, "users": 11, ...}."""
    brands = _ensure_brands()
    staff, users_added = _ensure_staff(password, brands)
    db.session.commit()
    summary = {"brands": len(brands), "users": 1 + 2 * len(brands), "users_added": users_added}
    summary |= dict.fromkeys(COUNTED, 0)
    now = utcnow().replace(microsecond=0)
    # The drafts hold no reference cycles, yet the collector would keep rescanning millions of
    # young dicts: a quarter of the run time at 100,000 clients per brand.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with _worker_pool() if clients_per_brand > BATCH_SIZE else nullcontext() as pool:
            for spec in DEMO_BRANDS:
                brand = brands[spec.slug]
                plan = _BrandPlan(
                    spec, brand.id, brand.country_code, brand.default_locale, staff[spec.slug], now
                )
                _add_counts(summary, _seed_clients(plan, clients_per_brand, pool))
                _add_counts(summary, _seed_stock(plan, clients_per_brand // STOCK_PER_CLIENTS))
    finally:
        if collecting:
            gc.enable()
    _ensure_client_groups(brands)
    db.session.commit()
    return summary


# Client permission groups of each brand, by its language: (name, features).
CLIENT_GROUPS = {
    "en": [
        ("Essential", ["live_map", "trip_history", "alerts"]),
        (
            "Fleet Pro",
            [
                "live_map",
                "trip_history",
                "alerts",
                "reports",
                "geofences",
                "drivers",
                "fuel",
                "maintenance",
                "api_access",
            ],
        ),
    ],
    "fr": [
        ("Essentiel", ["live_map", "trip_history", "alerts"]),
        (
            "Flotte Pro",
            [
                "live_map",
                "trip_history",
                "alerts",
                "reports",
                "geofences",
                "drivers",
                "fuel",
                "maintenance",
                "api_access",
            ],
        ),
    ],
    "pt": [
        ("Essencial", ["live_map", "trip_history", "alerts"]),
        (
            "Frota Pro",
            [
                "live_map",
                "trip_history",
                "alerts",
                "reports",
                "geofences",
                "drivers",
                "fuel",
                "maintenance",
                "api_access",
            ],
        ),
    ],
    "pl": [
        ("Podstawowy", ["live_map", "trip_history", "alerts"]),
        (
            "Flota Pro",
            [
                "live_map",
                "trip_history",
                "alerts",
                "reports",
                "geofences",
                "drivers",
                "fuel",
                "maintenance",
                "api_access",
            ],
        ),
    ],
}


def _ensure_client_groups(brands: dict[str, Brand]) -> None:
    """Two client groups per brand, clients without one in the first, and Northwind's groups
    mapped to Northwind Premium's (so the migration demo passes its group check)."""
    groups: dict[str, list[ClientGroup]] = {}
    for slug, brand in brands.items():
        groups[slug] = []
        for name, features in CLIENT_GROUPS[brand.default_locale]:
            group = db.session.scalar(
                select(ClientGroup).where(
                    ClientGroup.brand_id == brand.id, ClientGroup.name == name
                )
            )
            if group is None:
                group = ClientGroup(brand_id=brand.id, name=name, features=features)
                db.session.add(group)
            groups[slug].append(group)
    db.session.flush()
    for slug, brand in brands.items():
        db.session.execute(
            update(Client)
            .where(Client.brand_id == brand.id, Client.client_group_id.is_(None))
            .values(client_group_id=groups[slug][0].id)
            .execution_options(synchronize_session=False)
        )
    for source, target in zip(groups["northwind"], groups["northwind-premium"], strict=True):
        mapped = db.session.scalar(
            select(ClientGroupMapping.id).where(
                ClientGroupMapping.source_group_id == source.id,
                ClientGroupMapping.target_brand_id == brands["northwind-premium"].id,
            )
        )
        if mapped is None:
            db.session.add(
                ClientGroupMapping(
                    source_group_id=source.id,
                    target_brand_id=brands["northwind-premium"].id,
                    target_group_id=target.id,
                )
            )


def _add_counts(summary: dict[str, int], counts: dict[str, int]) -> None:
    for key, value in counts.items():
        summary[key] += value


# --- Brands and staff ------------------------------------------------------------------------


def _ensure_brands() -> dict[str, Brand]:
    brands: dict[str, Brand] = {}
    for spec in DEMO_BRANDS:  # parents come first in DEMO_BRANDS
        brand = db.session.scalar(select(Brand).where(Brand.slug == spec.slug))
        if brand is None:
            brand = Brand(
                slug=spec.slug,
                name=spec.name,
                parent=brands[spec.parent] if spec.parent else None,
                default_locale=spec.locale,
                country_code=spec.country,
                theme_color=spec.theme_color,
                tracking_url_template=spec.tracking_url_template,
            )
            db.session.add(brand)
        brands[spec.slug] = brand
    db.session.flush()
    return brands


def _ensure_staff(password: str, brands: dict[str, Brand]) -> tuple[dict[str, list[int]], int]:
    """Users and memberships; returns {slug: [reseller id, admin id]} and how many were new."""
    # Imported here: portal.admin pulls in the blueprints, which import the models first.
    from portal.admin.rules import ensure_builtin_groups

    created = 0

    def get_or_create(email: str, name: str, is_platform_admin: bool = False) -> User:
        nonlocal created
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            created += 1
            user = User(
                email=email,
                name=name,
                password_hash=hash_password(password),
                locale=None,
                is_platform_admin=is_platform_admin,
            )
            db.session.add(user)
            db.session.flush()
        return user

    get_or_create(*PLATFORM_ADMIN, is_platform_admin=True)
    users: dict[str, dict[Role, User]] = {}
    for spec in DEMO_BRANDS:
        users[spec.slug] = {
            Role.BRAND_ADMIN: get_or_create(f"admin@{spec.slug}.demo.test", spec.admin_name),
            Role.RESELLER: get_or_create(f"reseller@{spec.slug}.demo.test", spec.reseller_name),
        }
    for spec in DEMO_BRANDS:
        groups = ensure_builtin_groups(brands[spec.slug])  # a membership names a group
        for source in (spec.slug, INHERITED_STAFF.get(spec.slug)):
            for role, user in users.get(source, {}).items():
                _ensure_membership(user, brands[spec.slug], groups[role])
    db.session.flush()
    staff = {
        slug: [by_role[Role.RESELLER].id, by_role[Role.BRAND_ADMIN].id]
        for slug, by_role in users.items()
    }
    return staff, created


def _ensure_membership(user: User, brand: Brand, group: PermissionGroup) -> None:
    exists = db.session.scalar(
        select(Membership.id).where(Membership.user_id == user.id, Membership.brand_id == brand.id)
    )
    if exists is None:
        db.session.add(Membership(user=user, brand=brand, group=group))


# --- Clients ---------------------------------------------------------------------------------


class _BrandPlan:
    """What the generators need to know about one brand, as plain values (no ORM access)."""

    def __init__(
        self,
        spec: BrandSpec,
        brand_id: int,
        country_code: str,
        locale: str,
        managers: list[int],
        now: datetime,
    ) -> None:
        self.spec = spec
        self.brand_id = brand_id
        # An existing brand keeps its country; fall back to the spec where we have no data.
        self.country = COUNTRIES.get(country_code, COUNTRIES[spec.country])
        self.locale = locale
        self.reseller_id, self.admin_id = managers
        self.now = now
        self.seed = zlib.crc32(spec.slug.encode()) << 32
        # IMEI: reporting body 35, two digits of brand, a ten-digit counter, the Luhn digit.
        self.imei_prefix = f"35{DEMO_BRANDS.index(spec) + 1:02d}"


class _Draft(NamedTuple):
    """One client and its children, before the client has an id."""

    client: Row
    addresses: list[Row]
    contacts: list[Row]
    documents: list[Row]
    contracts: list[Row]
    payment_methods: list[Row]
    assets: list[Row]


def _seed_clients(plan: _BrandPlan, target: int, pool: Executor | None) -> dict[str, int]:
    existing = db.session.scalar(
        select(func.count(Client.id)).where(Client.brand_id == plan.brand_id)
    )
    missing = target - (existing or 0)
    counts = dict.fromkeys(COUNTED, 0)
    if missing <= 0:
        return counts
    first = _next_client_seq(plan)
    end = first + missing
    batches = [range(seq, min(seq + BATCH_SIZE, end)) for seq in range(first, end, BATCH_SIZE)]
    for drafts in _drafts_ahead(pool, plan, batches):
        _add_counts(counts, _insert_batch(plan.brand_id, drafts))
        db.session.commit()  # a crash keeps whole batches; a rerun tops up from there
    return counts


def _worker_pool() -> ProcessPoolExecutor:
    """One process that generates drafts while this one inserts: both are pure Python, so a
    thread would only take turns for the GIL. No process starts until work is submitted."""
    # fork where it is safe (Linux): instant, and no re-import of __main__; the child never
    # touches the inherited database connections.
    method = "fork" if sys.platform == "linux" else None
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context(method))


def _drafts_ahead(
    pool: Executor | None, plan: _BrandPlan, batches: list[range]
) -> Iterator[list[_Draft]]:
    """The drafts of each batch; with more than one, made in the pool one batch ahead."""
    if pool is None or len(batches) == 1:  # the default 50: not worth a process
        yield from (_batch_drafts(plan, seqs) for seqs in batches)
        return
    pending = pool.submit(_batch_drafts, plan, batches[0])
    for seqs in batches[1:]:
        ready, pending = pending, pool.submit(_batch_drafts, plan, seqs)
        yield ready.result()
    yield pending.result()


def _batch_drafts(plan: _BrandPlan, seqs: range) -> list[_Draft]:
    return [_client_draft(plan, seq) for seq in seqs]


def _next_client_seq(plan: _BrandPlan) -> int:
    """After the highest seeded client, and after the devices a deleted one may have left."""
    prefix = f"{plan.spec.prefix}-"
    ids = db.session.scalars(
        select(Client.provider_user_id).where(
            Client.brand_id == plan.brand_id, Client.provider_user_id.like(f"{prefix}%")
        )
    )
    numbers = [int(pid[len(prefix) :]) for pid in ids if pid[len(prefix) :].isdigit()]
    return max([_highest_imei_counter(plan, stock=False) // 10, *numbers], default=0) + 1


def _highest_imei_counter(plan: _BrandPlan, *, stock: bool) -> int:
    # Fixed width, so the greatest string is the greatest number. Stock devices use slot 9.
    any_slot = plan.imei_prefix + "_" * 11
    stock_slot = plan.imei_prefix + "_" * 9 + "9_"
    query = select(func.max(Asset.serial))
    if stock:
        query = query.where(Asset.serial.like(stock_slot))
    else:
        query = query.where(Asset.serial.like(any_slot), Asset.serial.not_like(stock_slot))
    serial = db.session.scalar(query)
    return int(serial[4:14]) if serial and serial.isdigit() else 0


def _insert_batch(brand_id: int, drafts: list[_Draft]) -> dict[str, int]:
    # Plain executemany, then the new ids by (brand, provider id), which is unique. RETURNING
    # measured slower on both databases: with sort_by_parameter_order SQLite falls back to one
    # statement per row, and psycopg spends ~100 us per row parsing the long multi-VALUES text.
    last_id = db.session.scalar(select(func.max(Client.id))) or 0
    db.session.execute(insert(Client.__table__), [draft.client for draft in drafts])
    ids = dict(
        db.session.execute(
            select(Client.provider_user_id, Client.id).where(
                Client.brand_id == brand_id, Client.id > last_id
            )
        ).all()
    )
    counts = {"clients_added": len(drafts)}
    for model in CHILD_MODELS:
        name = model.__tablename__
        rows = []
        for draft in drafts:
            client_id = ids[draft.client["provider_user_id"]]
            for row in getattr(draft, name):
                row["client_id"] = client_id
                rows.append(row)
        if rows:
            db.session.execute(insert(model.__table__), rows)
        counts[f"{name}_added"] = len(rows)
    return counts


def _client_draft(plan: _BrandPlan, seq: int) -> _Draft:
    rng = Random(plan.seed + seq)
    country = plan.country
    city = rng.choice(country.cities)
    first, last, female = _person(country, rng)  # the client, or a company's main contact
    person = f"{first} {last}"
    if rng.random() < COMPANY_SHARE:
        kind = ClientKind.COMPANY
        name, domain, segment = _company_name(country, city, rng)
        email = f"{rng.choice(country.company_mailboxes)}@{domain}"
        phone = _landline(country, city, rng)
    else:
        kind, name, domain = ClientKind.PERSON, person, None
        segment = rng.choice(PERSON_SEGMENTS)
        email = _email(first, last, rng.choice(country.mail_domains), rng)
        phone = _landline(country, city, rng) if rng.random() < 0.4 else ""
    mobile = _mobile(country, city, rng)
    address = _address(country, city, rng)
    document_number, documents = DOCUMENTS[country.code](rng, kind, city, address, female)
    created_at = plan.now - timedelta(seconds=rng.randrange(HISTORY_DAYS * 86_400))
    for document in documents:
        document["issued_on"] = created_at.date() - timedelta(days=rng.randrange(10 * 365))
    status = rng.choice(CLIENT_STATUSES)
    provider_id = f"{plan.spec.prefix}-{seq:06d}"
    login_email = email if rng.random() < 0.85 else ""
    client = {
        "brand_id": plan.brand_id,
        "provider_user_id": provider_id,
        "kind": kind,
        "name": name,
        "document_number": document_number,
        "email": email,
        "phone": phone,
        "mobile": mobile,
        "segment": segment,
        "status": status,
        "account_manager_id": plan.admin_id if rng.random() < 0.25 else plan.reseller_id,
        "payment_status": (
            PaymentStatus.DELINQUENT if rng.random() < 0.15 else PaymentStatus.UP_TO_DATE
        ),
        "login_email": login_email,
        "login_password_hash": None,
        "locale": plan.locale,
        "country_code": country.code,
        "version": 1,
        "created_at": created_at,
        "updated_at": created_at + (plan.now - created_at) * rng.random(),
        # Core inserts skip the ORM's before_flush hook: fill the derived columns here.
        "name_key": _fold(name),
        "search_text": client_search_text(
            name=name,
            email=email,
            login_email=login_email,
            document_number=document_number,
            phone=phone,
            mobile=mobile,
            provider_user_id=provider_id,
        ),
    }
    main_contact = {
        "name": person,
        "email": email if domain is None else _email(first, last, domain, rng),
        "phone": mobile,
        "role": country.owner_role if domain is None else rng.choice(country.contact_roles),
        "notify_equipment": domain is None or rng.random() < 0.5,
    }
    assets = _client_assets(plan, seq, status, rng)
    return _Draft(
        client=client,
        addresses=[address],
        contacts=[main_contact, *_other_contacts(country, city, domain, rng)],
        documents=documents if rng.random() < DOCUMENT_SHARE else [],
        contracts=_contracts(plan, seq, created_at.date(), len(assets), rng),
        payment_methods=_cards(country, person, plan.now.year, rng),
        assets=assets,
    )


def _person(country: Country, rng: Random) -> tuple[str, str, bool]:
    female = rng.random() < 0.45
    first = rng.choice(country.female if female else country.male)
    last = rng.choice(country.surnames)
    if country.code == "BR" and rng.random() < 0.5:  # Brazilians often carry two family names
        last = f"{rng.choice(country.surnames)} {last}"
    if country.code == "PL" and female:
        last = _polish_feminine(last)
    return first, last, female


def _polish_feminine(surname: str) -> str:
    for masculine, feminine in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if surname.endswith(masculine):
            return surname[: -len(masculine)] + feminine
    return surname


def _company_name(country: Country, city: City, rng: Random) -> tuple[str, str, Segment]:
    """The name, the web domain of the company and its segment."""
    pattern = rng.choice(country.companies)
    core = pattern.core.format(surname=rng.choice(country.surnames), city=city.name)
    return f"{core} {rng.choice(pattern.suffixes)}", f"{_slug(core)}.example", pattern.segment


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# Names repeat a lot (a few thousand surname and pattern combinations): fold each only once.
_fold = lru_cache(maxsize=1 << 16)(fold)


@cache
def _slug(text: str, sep: str = "-") -> str:
    """ASCII for e-mail addresses: 'Gonçalves Mudanças' -> 'goncalves-mudancas'."""
    return _NOT_ALNUM.sub(sep, _fold(text).replace("'", "")).strip(sep)


def _email(first: str, last: str, domain: str, rng: Random) -> str:
    local = f"{_slug(first, '.')}.{_slug(last.split()[-1], '.')}"
    if rng.random() < 0.3:  # the plain name is often taken
        local += str(rng.randrange(1, 100))
    return f"{local}@{domain}"


def _digits(rng: Random, count: int) -> str:
    return f"{rng.randrange(10**count):0{count}d}"


def _landline(country: Country, city: City, rng: Random) -> str:
    prefix = rng.choice(city.phone_prefixes)
    if country.local_starts:
        prefix += rng.choice(country.local_starts)
    return country.calling_code + prefix + _digits(rng, country.national_length - len(prefix))


def _mobile(country: Country, city: City, rng: Random) -> str:
    prefix = rng.choice(country.mobile_prefixes)
    length = country.mobile_length
    if country.code == "BR":  # mobiles carry the area code of the city: 55 11 9xxxx-xxxx
        prefix = city.phone_prefixes[0] + prefix
        length += 2
    return country.calling_code + prefix + _digits(rng, length - len(prefix))


def _postcode(pattern: str, rng: Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"  # the letters a UK inward code may use
    return "".join(
        str(rng.randrange(10)) if ch == "#" else rng.choice(letters) if ch == "@" else ch
        for ch in pattern
    )


def _address(country: Country, city: City, rng: Random) -> Row:
    district, pattern = rng.choice(city.districts)
    number = str(rng.randrange(1, 240 if country.code == "BR" else 180))
    if country.code == "FR" and rng.random() < 0.05:
        number += " bis"
    elif country.code == "BR" and rng.random() < 0.03:
        number = "s/n"  # sem número: common on roads and industrial estates
    return {
        "street": rng.choice(country.streets),
        "number": number,
        "complement": rng.choice(country.complements) if rng.random() < 0.25 else "",
        "locality": city.name,
        "sub_locality": district if rng.random() < 0.95 else "",
        "city": city.name,
        "region": city.region,
        "postal_code": _postcode(pattern, rng),
        "country_code": country.code,
    }


def _other_contacts(country: Country, city: City, domain: str | None, rng: Random) -> list[Row]:
    if rng.random() >= SECOND_CONTACT_SHARE:
        return []
    first, last, _ = _person(country, rng)
    return [
        {
            "name": f"{first} {last}",
            "email": _email(first, last, domain or rng.choice(country.mail_domains), rng),
            "phone": _mobile(country, city, rng)
            if rng.random() < 0.8
            else _landline(country, city, rng),
            "role": rng.choice(country.contact_roles),
            "notify_equipment": rng.random() < 0.4,
        }
    ]


def _contracts(plan: _BrandPlan, seq: int, created: date, devices: int, rng: Random) -> list[Row]:
    if devices == 0 or rng.random() >= CONTRACT_SHARE:
        return []
    name, cents = rng.choice(plan.country.plans)
    starts = min(created + timedelta(days=rng.randrange(30)), plan.now.date())
    ends = None if rng.random() < 0.35 else _add_years(starts, rng.choice((1, 2, 3)))
    return [
        {
            "number": f"{plan.spec.prefix}-{starts.year}-{seq:06d}",
            "plan": name,
            "starts_on": starts,
            "ends_on": ends,
            "monthly_fee": Decimal(cents * devices).scaleb(-2),
            "currency": plan.country.currency,
        }
    ]


def _add_years(day: date, years: int) -> date:
    return day.replace(year=day.year + years, day=min(day.day, 28))


def _cards(country: Country, holder: str, this_year: int, rng: Random) -> list[Row]:
    if rng.random() >= CARD_SHARE:
        return []
    # Only what PaymentMethod may hold: never a card number.
    return [
        {
            "kind": CardKind.CREDIT if rng.random() < 0.6 else CardKind.DEBIT,
            "holder": holder,
            "network": rng.choice(country.card_networks),
            "last4": _digits(rng, 4),
            "exp_month": rng.randrange(1, 13),
            "exp_year": this_year + rng.randrange(1, 6),
        }
    ]


# --- Assets ----------------------------------------------------------------------------------


def _client_assets(plan: _BrandPlan, seq: int, status: ClientStatus, rng: Random) -> list[Row]:
    assets = []
    number = rng.randrange(1, 40)  # fleet numbers, as painted on the vehicles
    for slot in range(rng.choice(ASSETS_PER_CLIENT)):
        kind, models = rng.choice(plan.country.vehicles)
        if status == ClientStatus.ACTIVE:
            asset_status = rng.choice(ACTIVE_ASSET_STATUSES)
        else:
            asset_status = ASSET_STATUS_OF_CLIENT[status]
        assets.append(
            {
                "brand_id": plan.brand_id,
                "serial": _imei(plan.imei_prefix, seq * 10 + slot),
                "name": f"{kind} {number + slot} – {rng.choice(models)}",
                "status": asset_status,
            }
        )
    return assets


def _seed_stock(plan: _BrandPlan, target: int) -> dict[str, int]:
    """Devices not yet installed in a client's vehicle (client_id NULL)."""
    existing = db.session.scalar(
        select(func.count(Asset.id)).where(
            Asset.brand_id == plan.brand_id, Asset.client_id.is_(None)
        )
    )
    missing = target - (existing or 0)
    if missing <= 0:
        return {}
    first = _highest_imei_counter(plan, stock=True) // 10 + 1
    rows = [_stock_row(plan, number) for number in range(first, first + missing)]
    for start in range(0, len(rows), BATCH_SIZE):
        db.session.execute(insert(Asset.__table__), rows[start : start + BATCH_SIZE])
    db.session.commit()
    return {"assets_added": len(rows)}


def _stock_row(plan: _BrandPlan, number: int) -> Row:
    rng = Random(plan.seed + (1 << 31) + number)  # seeds apart from the clients'
    return {
        "brand_id": plan.brand_id,
        "client_id": None,
        "serial": _imei(plan.imei_prefix, number * 10 + 9),
        "name": f"{plan.country.stock_label} {number} – {rng.choice(TRACKER_MODELS)}",
        "status": AssetStatus.INACTIVE if rng.random() < 0.8 else AssetStatus.SUSPENDED,
    }


def _imei(prefix: str, counter: int) -> str:
    body = f"{prefix}{counter:010d}"
    return body + _luhn_digit(body)


def _luhn_digit(body: str) -> str:
    """The digit that makes body + digit pass the Luhn test (IMEI, SIREN, SIRET)."""
    total = 0
    for position, char in enumerate(reversed(body)):
        value = ord(char) - 48
        if position % 2 == 0:  # these are the doubled places once the digit is appended
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str(-total % 10)


# --- Identity and company numbers, with their real check digits ------------------------------

DocumentMaker = Callable[[Random, ClientKind, City, Row, bool], tuple[str, list[Row]]]


def _doc(kind: DocumentKind, number: str) -> Row:
    return {"kind": kind, "number": number, "issued_on": None}


def _weighted(numbers: str, weights: tuple[int, ...]) -> int:
    return sum((ord(c) - 48) * w for c, w in zip(numbers, weights, strict=True))


def _cpf(rng: Random) -> str:
    body = _digits(rng, 9)
    for weights in ((10, 9, 8, 7, 6, 5, 4, 3, 2), (11, 10, 9, 8, 7, 6, 5, 4, 3, 2)):
        body += str(_weighted(body, weights) * 10 % 11 % 10)
    return f"{body[:3]}.{body[3:6]}.{body[6:9]}-{body[9:]}"


def _cnpj(rng: Random) -> str:
    body = _digits(rng, 8) + "0001"  # head office
    for weights in ((5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2), (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)):
        rest = _weighted(body, weights) % 11
        body += str(0 if rest < 2 else 11 - rest)
    return f"{body[:2]}.{body[2:5]}.{body[5:8]}/{body[8:12]}-{body[12:]}"


def _rg(rng: Random) -> str:
    """São Paulo RG: eight digits and a mod-11 check that may be X."""
    body = _digits(rng, 8)
    check = 11 - _weighted(body, (2, 3, 4, 5, 6, 7, 8, 9)) % 11
    digit = "X" if check == 10 else "0" if check == 11 else str(check)
    return f"{body[:2]}.{body[2:5]}.{body[5:]}-{digit}"


def _br_documents(
    rng: Random, kind: ClientKind, city: City, address: Row, female: bool
) -> tuple[str, list[Row]]:
    if kind == ClientKind.COMPANY:
        nire = rng.choice(city.registry_codes) + _digits(rng, 9)  # Junta Comercial number
        return _cnpj(rng), [_doc(DocumentKind.COMPANY_REGISTRATION, nire)]
    return _cpf(rng), [_doc(DocumentKind.ID_CARD, _rg(rng))]


def _pesel(rng: Random, female: bool) -> str:
    born = date(1955, 1, 1) + timedelta(days=rng.randrange(50 * 365))
    month = born.month + (20 if born.year >= 2000 else 0)
    sex = rng.randrange(0, 10, 2) + (0 if female else 1)  # even for women, odd for men
    body = f"{born.year % 100:02d}{month:02d}{born.day:02d}{_digits(rng, 3)}{sex}"
    return body + str(-_weighted(body, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)) % 10)


def _nip(rng: Random, city: City) -> str:
    while True:  # one body in eleven has no valid check digit
        body = rng.choice(city.registry_codes) + _digits(rng, 6)
        check = _weighted(body, (6, 5, 7, 2, 3, 4, 5, 6, 7)) % 11
        if check < 10:
            return body + str(check)


def _regon(rng: Random) -> str:
    body = str(rng.randrange(1, 10)) + _digits(rng, 7)
    return body + str(_weighted(body, (8, 9, 2, 3, 4, 5, 6, 7)) % 11 % 10)


def _polish_id_card(rng: Random) -> str:
    """Dowód osobisty: three letters, a check digit, five digits."""
    letters = "".join(rng.choice("ABCDEFGHIJKLMNPRSTUVWXYZ") for _ in range(3))
    tail = _digits(rng, 5)
    values = [ord(c) - 55 for c in letters] + [ord(c) - 48 for c in tail]
    check = sum(v * w for v, w in zip(values, (7, 3, 1, 7, 3, 1, 7, 3), strict=True)) % 10
    return f"{letters}{check}{tail}"


def _pl_documents(
    rng: Random, kind: ClientKind, city: City, address: Row, female: bool
) -> tuple[str, list[Row]]:
    if kind == ClientKind.COMPANY:
        return _nip(rng, city), [_doc(DocumentKind.COMPANY_REGISTRATION, _regon(rng))]
    return _pesel(rng, female), [_doc(DocumentKind.ID_CARD, _polish_id_card(rng))]


def _fr_documents(
    rng: Random, kind: ClientKind, city: City, address: Row, female: bool
) -> tuple[str, list[Row]]:
    if kind == ClientKind.COMPANY:
        siren = str(rng.randrange(3, 10)) + _digits(rng, 7)
        siren += _luhn_digit(siren)
        siret = siren + f"{rng.randrange(1, 100):04d}"  # NIC: the establishment
        siret += _luhn_digit(siret)
        number = siret if rng.random() < 0.7 else siren
        spaced = f"{number[:3]} {number[3:6]} {number[6:9]} {number[9:]}".strip()
        vat = f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
        return spaced, [_doc(DocumentKind.TAX_ID, vat)]
    # Carte nationale d'identité (pre-2021): issue year and month, department, office, serial.
    issued = f"{rng.randrange(10, 21):02d}{rng.randrange(1, 13):02d}"
    card = f"{issued}{address['postal_code'][:2]}{rng.randrange(10)}{_digits(rng, 5)}"
    return card, [_doc(DocumentKind.ID_CARD, card)]


def _gb_vat(rng: Random) -> str:
    body = _digits(rng, 7)
    check = -_weighted(body, (8, 7, 6, 5, 4, 3, 2)) % 97  # HMRC's mod-97 check
    return f"GB{body}{check:02d}"


def _gb_documents(
    rng: Random, kind: ClientKind, city: City, address: Row, female: bool
) -> tuple[str, list[Row]]:
    if kind == ClientKind.COMPANY:
        if city.region in ("Glasgow City", "City of Edinburgh"):
            number = f"SC{rng.randrange(100_000, 1_000_000)}"
        else:  # England and Wales: eight digits, 0 or 1 first these days
            number = str(rng.randrange(2)) + _digits(rng, 7)
        return number, [_doc(DocumentKind.TAX_ID, _gb_vat(rng))]
    if rng.random() < 0.5:  # no identity card in the UK; many give no number at all
        return "", []
    passport = str(rng.randrange(1, 6)) + _digits(rng, 8)
    return passport, [_doc(DocumentKind.PASSPORT, passport)]


DOCUMENTS: dict[str, DocumentMaker] = {
    "GB": _gb_documents,
    "FR": _fr_documents,
    "BR": _br_documents,
    "PL": _pl_documents,
}
