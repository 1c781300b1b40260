"""The demo's tables: its brands and staff, and for each country the names, streets, cities,
phone ranges, companies, plans and vehicles the clients are drawn from. Plain values only."""

from __future__ import annotations

from typing import Any, NamedTuple

from portal.models import Segment

Row = dict[str, Any]  # one table row, column name -> value, as Core inserts take it


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

# Client permission groups of each brand, by its language: (name, features).
ESSENTIAL_FEATURES = ("live_map", "trip_history", "alerts")
FLEET_FEATURES = ESSENTIAL_FEATURES + ("reports", "geofences", "drivers", "fuel", "maintenance",
                                       "api_access")  # fmt: skip
CLIENT_GROUPS = {
    "en": (("Essential", ESSENTIAL_FEATURES), ("Fleet Pro", FLEET_FEATURES)),
    "fr": (("Essentiel", ESSENTIAL_FEATURES), ("Flotte Pro", FLEET_FEATURES)),
    "pt": (("Essencial", ESSENTIAL_FEATURES), ("Frota Pro", FLEET_FEATURES)),
    "pl": (("Podstawowy", ESSENTIAL_FEATURES), ("Flota Pro", FLEET_FEATURES)),
}
# Northwind's groups are mapped to Northwind Premium's, so the migration demo passes its checks.
MAPPED_CLIENT_GROUPS = {"northwind": "northwind-premium"}
