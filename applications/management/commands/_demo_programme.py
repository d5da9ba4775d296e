"""The demo programme's cast: startups and SMEs across Europe, their people, and their projects.

Data only; `seed_demo` plays it through the services. Companies, people and numbers are made up
(registration and VAT numbers pass their national checks but belong to no one); websites and
mail addresses are under the reserved `.example` domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# --- Organisations --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoOrganisation:
    legal_name: str
    country: str
    registration_number: str
    vat_number: str
    founded_on: date
    domain: str  # website and mail addresses
    employees: int
    turnover_eur: int
    balance_sheet_eur: int
    owner: tuple[str, str]  # first and last name of the person who registered it
    members: tuple[tuple[str, str], ...] = ()  # colleagues who joined by invitation

    @property
    def website(self) -> str:
        return f"https://{self.domain}"


LUMEN = "Lumen Language Labs GmbH"

ORGANISATIONS: tuple[DemoOrganisation, ...] = (
    # The demo's own applicants (founder@ and teammate@demo.example) are Lumen's owner and member.
    DemoOrganisation(LUMEN, "DE", "HRB 245871", "DE298765435", date(2023, 4, 17),
                     "lumen-labs.example", 14, 1_200_000, 2_100_000, ("Ada", "Kowalska"),
                     (("Jonas", "Berg"),)),
    DemoOrganisation("Nordlicht Robotics GmbH", "DE", "HRB 178204", "DE314572099",
                     date(2022, 9, 1), "nordlicht-robotics.example", 23, 2_400_000, 3_100_000,
                     ("Lena", "Hoffmann"), (("Tobias", "Wendt"),)),
    DemoOrganisation("Quantenfeld Analytics UG", "DE", "HRB 261937", "DE340612877",
                     date(2024, 2, 12), "quantenfeld.example", 6, 180_000, 420_000,
                     ("Felix", "Brandt")),
    DemoOrganisation("Brume AI SAS", "FR", "884 127 390", "FR20884127390", date(2022, 5, 3),
                     "brume.example", 31, 3_800_000, 5_200_000, ("Camille", "Laurent"),
                     (("Hugo", "Mercier"), ("Inès", "Haddad"))),
    DemoOrganisation("Cerfeuil Santé SAS", "FR", "912 376 456", "FR64912376456",
                     date(2023, 11, 20), "cerfeuil-sante.example", 12, 650_000, 1_400_000,
                     ("Julie", "Bernard")),
    DemoOrganisation("Dijkstra Vision B.V.", "NL", "KvK 81234567", "NL864129531B01",
                     date(2021, 12, 6), "dijkstra-vision.example", 19, 2_100_000, 2_600_000,
                     ("Sanne", "de Vries"), (("Thijs", "Bakker"),)),
    DemoOrganisation("Tulpenveld Agritech B.V.", "NL", "KvK 86412953", "NL851207340B01",
                     date(2016, 3, 14), "tulpenveld.example", 64, 9_400_000, 7_800_000,
                     ("Pieter", "Jansen")),
    DemoOrganisation("Alborada Speech S.L.", "ES", "B98123458", "ESB98123458",
                     date(2023, 1, 25), "alborada-speech.example", 9, 420_000, 900_000,
                     ("Lucía", "Martínez"), (("Javier", "Ortega"),)),
    DemoOrganisation("Cierzo Energy Analytics S.L.", "ES", "B50234194", "ESB50234194",
                     date(2015, 6, 2), "cierzo-energy.example", 48, 6_300_000, 5_100_000,
                     ("Marta", "Giménez")),
    DemoOrganisation("Lagunare AI S.r.l.", "IT", "VE-412378", "IT04123780126",
                     date(2022, 10, 11), "lagunare.example", 17, 1_600_000, 2_200_000,
                     ("Giulia", "Ferrari"), (("Marco", "Bianchi"),)),
    DemoOrganisation("Vesuvio Materials S.r.l.", "IT", "NA-987123", "IT09871230638",
                     date(2017, 4, 19), "vesuvio-materials.example", 41, 5_200_000, 6_900_000,
                     ("Alessandro", "Esposito")),
    DemoOrganisation("Maré Alta Labs Lda", "PT", "516234870", "PT516234870",
                     date(2024, 6, 3), "mare-alta.example", 5, 90_000, 310_000,
                     ("Beatriz", "Santos")),
    DemoOrganisation("Revontuli Models Oy", "FI", "3123456-3", "FI31234563",
                     date(2021, 12, 15), "revontuli.example", 27, 2_900_000, 4_100_000,
                     ("Aino", "Mäkinen"), (("Eero", "Lahtinen"),)),
    DemoOrganisation("Kuusi Forestry Data Oy", "FI", "2987654-0", "FI29876540",
                     date(2018, 8, 30), "kuusi-data.example", 22, 2_300_000, 1_900_000,
                     ("Mikko", "Heikkinen")),
    DemoOrganisation("Ljusglimt AI AB", "SE", "559321-1237", "SE559321123701",
                     date(2022, 3, 8), "ljusglimt.example", 15, 1_100_000, 1_800_000,
                     ("Elsa", "Lindqvist"), (("Oskar", "Nyberg"),)),
    DemoOrganisation("Fjärran Audio AB", "SE", "559104-8763", "SE559104876301",
                     date(2017, 1, 16), "fjarran-audio.example", 38, 4_700_000, 3_900_000,
                     ("Johan", "Ek")),
    DemoOrganisation("Wisła Semantics sp. z o.o.", "PL", "KRS 0000912345", "PL5271340816",
                     date(2022, 7, 21), "wisla-semantics.example", 21, 1_900_000, 1_500_000,
                     ("Katarzyna", "Nowak"), (("Piotr", "Zieliński"),)),
    DemoOrganisation("Bursztyn Robotics sp. z o.o.", "PL", "KRS 0000874123", "PL5841237602",
                     date(2019, 5, 9), "bursztyn-robotics.example", 56, 7_100_000, 6_400_000,
                     ("Tomasz", "Wójcik")),
    DemoOrganisation("Vltava Vision s.r.o.", "CZ", "08127638", "CZ08127638", date(2023, 2, 1),
                     "vltava-vision.example", 11, 560_000, 740_000, ("Tereza", "Novotná")),
    DemoOrganisation("Alpenglühen Weather GmbH", "AT", "FN 523410x", "ATU74123860",
                     date(2021, 12, 22), "alpengluehen.example", 13, 980_000, 1_300_000,
                     ("Florian", "Gruber"), (("Anna", "Steiner"),)),
    DemoOrganisation("Schelde Legal AI BV", "BE", "0791.234.542", "BE0791234542",
                     date(2022, 11, 4), "schelde-legal.example", 18, 1_400_000, 2_000_000,
                     ("Elke", "Peeters")),
    DemoOrganisation("Cliffside Genomics Ltd", "IE", "712345", "IE3812760D",
                     date(2023, 6, 28), "cliffside-genomics.example", 16, 800_000, 3_500_000,
                     ("Aoife", "Byrne"), (("Ciarán", "Walsh"),)),
    DemoOrganisation("Fyrtårn Maritime ApS", "DK", "41234563", "DK41234563",
                     date(2020, 2, 17), "fyrtaarn.example", 29, 3_300_000, 2_700_000,
                     ("Mette", "Sørensen")),
    DemoOrganisation("Tuulik Data OÜ", "EE", "16543211", "EE102345676", date(2024, 1, 10),
                     "tuulik-data.example", 4, 60_000, 150_000, ("Kristjan", "Tamm")),
    DemoOrganisation("Aigaio Speech IKE", "GR", "GEMI 158234501000", "EL801234560",
                     date(2022, 4, 5), "aigaio-speech.example", 10, 520_000, 610_000,
                     ("Eleni", "Papadopoulou")),
    DemoOrganisation("Triglav Climate d.o.o.", "SI", "8765430000", "SI81234562",
                     date(2023, 9, 12), "triglav-climate.example", 8, 310_000, 450_000,
                     ("Nina", "Kovač")),
    DemoOrganisation("Moselle Fintech S.à r.l.", "LU", "B 261374", "LU31276418",
                     date(2022, 1, 31), "moselle-fintech.example", 24, 3_100_000, 4_800_000,
                     ("Luc", "Weber")),
    DemoOrganisation("Jadran Tourism AI d.o.o.", "HR", "81234567892", "HR81234567892",
                     date(2023, 5, 15), "jadran-ai.example", 7, 240_000, 380_000,
                     ("Ivana", "Horvat")),
    DemoOrganisation("Gintaras Vision UAB", "LT", "305912345", "LT100012345613",
                     date(2022, 8, 18), "gintaras.example", 12, 700_000, 820_000,
                     ("Rūta", "Kazlauskienė")),
    DemoOrganisation("Balaton Bio Kft.", "HU", "01-09-412345", "HU28712343",
                     date(2020, 10, 7), "balaton-bio.example", 33, 2_800_000, 3_600_000,
                     ("Dóra", "Szabó")),
    DemoOrganisation("Nordkapp Ocean AS", "NO", "923 412 875", "NO923412875MVA",
                     date(2021, 12, 1), "nordkapp-ocean.example", 20, 2_000_000, 2_900_000,
                     ("Ingrid", "Solberg")),
    DemoOrganisation("Matterhorn Protein AG", "CH", "CHE-412.345.672", "CHE412345672MWST",
                     date(2022, 6, 14), "matterhorn-protein.example", 26, 1_700_000, 6_200_000,
                     ("Reto", "Keller"), (("Sophie", "Favre"),)),
    DemoOrganisation("Geysir Compute ehf.", "IS", "5012231230", "", date(2023, 12, 1),
                     "geysir-compute.example", 6, 150_000, 380_000, ("Sigrún", "Jónsdóttir")),
    DemoOrganisation("Kalyna Language Tech LLC", "UA", "44512378", "", date(2022, 12, 19),
                     "kalyna-tech.example", 14, 360_000, 290_000, ("Oksana", "Melnyk")),
)  # fmt: skip


# --- Projects -------------------------------------------------------------------------------

# Partitions of the catalogue (allocations.catalogue), by (centre, system, partition).
MN5_ACC = ("BSC", "MareNostrum 5", "ACC")
MN5_GPP = ("BSC", "MareNostrum 5", "GPP")
LUMI_G = ("CSC", "LUMI", "LUMI-G")
LEONARDO = ("CINECA", "Leonardo", "Booster")
JUPITER = ("JSC", "JUPITER", "Booster")
MELUXINA = ("LuxProvide", "MeluXina", "GPU")
KAROLINA = ("IT4I", "Karolina", "GPU")


@dataclass(frozen=True)
class DemoRequest:
    partition: tuple[str, str, str]
    hours: int  # in the partition's unit
    job_size: int  # GPUs (nodes on CPU partitions)
    months: int
    storage_tb: int = 10


SUBMITTED = "submitted"
DRAFT = "draft"
WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class DemoProject:
    organisation: str
    call: str  # slug
    # The cut-off it is aimed at: 0 is the next one (open now), -1 the last one passed, ...
    cutoff: int
    state: str
    acronym: str
    title: str
    abstract: str
    model_type: str
    parameters: int
    training_tokens: int
    dataset_tb: str
    training_share: int
    method: str  # what the work plan does, in one or two sentences
    data_sources: str
    impact: str
    requests: tuple[DemoRequest, ...]
    personal_data: str = ""  # how personal data is protected; empty: none is used
    general_purpose: bool = False
    interacts_with_people: bool = False
    # A draft started before the last cut-off rolled over to the next one (-1); drafts may be
    # unfinished: the sections they have filled so far.
    started: int | None = None
    filled: tuple[str, ...] = field(default=())
    withdrawal_reason: str = ""
    # What reviewers' expertise is matched against (peer-reviewed calls).
    keywords: tuple[str, ...] = ()

    @property
    def started_at_cutoff(self) -> int:
        return self.cutoff if self.started is None else self.started


P, FL, LS = "playground", "fast-lane", "large-scale"
ALL_SECTIONS = ("summary", "team", "ai_plan", "resources", "software", "data_ethics", "commercial")

PROJECTS: tuple[DemoProject, ...] = (
    # --- Playground: 5,000 GPU-hours to port and test --------------------------------------
    DemoProject(
        LUMEN, P, -3, SUBMITTED, "LEXPORT",
        "Porting a legal-domain language model to MareNostrum 5",
        "We port our training stack for a German and Polish legal-domain language model to "
        "MareNostrum 5 and measure how it scales from 4 to 64 H100 GPUs, to size a Fast Lane "
        "request for domain fine-tuning.",
        "decoder-only transformer", 1_300_000_000, 26_000_000_000, "0.4", 70,
        "Scaling runs at 4, 16 and 64 GPUs with FSDP; throughput and loss curves compared with "
        "our cloud baseline.",
        "Court decisions published by German and Polish courts; EUR-Lex.",
        "A measured scaling curve that lets us size a fine-tuning run correctly.",
        (DemoRequest(MN5_ACC, 5_000, 64, 2, 5),),
    ),
    DemoProject(
        "Tuulik Data OÜ", P, -4, SUBMITTED, "EESTI-ASR",
        "Estonian speech recognition: first runs on LUMI",
        "A first port of our Estonian speech-recognition training to AMD GPUs, to find out "
        "whether LUMI-G fits our next training run.",
        "conformer encoder with CTC decoder", 120_000_000, 4_000_000_000, "1.8", 90,
        "Port from CUDA to ROCm, mixed-precision checks, scaling from one to eight nodes.",
        "Public Estonian speech corpora and broadcast archives licensed to us.",
        "Better Estonian speech recognition for public-service call centres.",
        (DemoRequest(LUMI_G, 5_000, 32, 1, 4),),
    ),
    DemoProject(
        "Maré Alta Labs Lda", P, -2, SUBMITTED, "OCEANSEG",
        "Segmenting plastic litter in coastal drone imagery",
        "We test a vision transformer for litter segmentation on high-resolution coastal drone "
        "imagery and learn how far Leonardo lets us scale the training.",
        "vision transformer (segmentation)", 300_000_000, 2_000_000_000, "3.5", 85,
        "Port of our PyTorch pipeline; scaling study on 8 to 64 A100 GPUs.",
        "Drone surveys of the Portuguese coast made by us and two municipalities.",
        "Faster clean-up planning for coastal municipalities.",
        (DemoRequest(LEONARDO, 5_000, 64, 2, 8),),
    ),
    DemoProject(
        "Jadran Tourism AI d.o.o.", P, -2, SUBMITTED, "JADRAN-QA",
        "A Croatian tourism assistant: fine-tuning trial",
        "A trial fine-tuning of an open 7B model on Croatian tourism questions, to compare "
        "LoRA and full fine-tuning on MareNostrum 5 before a larger request.",
        "decoder-only transformer (fine-tuning)", 7_000_000_000, 3_000_000_000, "0.2", 60,
        "LoRA and full fine-tuning compared on the same data; evaluation with native speakers.",
        "Questions and answers written by our staff; public tourism-board pages.",
        "A Croatian-first assistant for small hotels and agencies.",
        (DemoRequest(MN5_ACC, 5_000, 32, 1, 2),),
        interacts_with_people=True,
    ),
    DemoProject(
        "Geysir Compute ehf.", P, -1, SUBMITTED, "GEOHEAT",
        "Surrogate models for geothermal reservoir simulation",
        "We train a neural-operator surrogate of our reservoir simulator and check how its "
        "training scales on LUMI-G before a Fast Lane request.",
        "Fourier neural operator", 90_000_000, 1_000_000_000, "6", 95,
        "Data generation on CPUs we own; surrogate training at 8 to 64 GCDs on LUMI-G.",
        "Simulations of Icelandic geothermal fields made with our own simulator.",
        "Cheaper drilling decisions for geothermal operators.",
        (DemoRequest(LUMI_G, 5_000, 64, 3, 12),),
    ),
    DemoProject(
        "Vltava Vision s.r.o.", P, -1, SUBMITTED, "VV-DEFECT",
        "Defect detection in glass manufacturing",
        "Training and scaling tests of a defect-detection model for float glass on Leonardo, "
        "to plan a production training run.",
        "convolutional detector (DETR-style)", 60_000_000, 500_000_000, "2.2", 90,
        "Data-parallel training on 8 to 32 GPUs; inference tests on the production line's "
        "image sizes.",
        "Images from two Czech glass plants, provided under contract.",
        "Fewer defective panes shipped, less waste.",
        (DemoRequest(LEONARDO, 5_000, 32, 1, 3),),
    ),
    DemoProject(
        "Gintaras Vision UAB", P, 0, SUBMITTED, "AMBER-OCR",
        "Handwritten text recognition for Lithuanian archives",
        "A scaling trial of our handwritten text recognition model for 19th-century "
        "Lithuanian parish records on MareNostrum 5.",
        "encoder-decoder transformer (OCR)", 250_000_000, 8_000_000_000, "4", 80,
        "Port and scaling study; checkpoints evaluated on a held-out archive.",
        "Scans of parish records digitised by the Lithuanian state archives.",
        "Searchable archives for genealogists and historians.",
        (DemoRequest(MN5_ACC, 5_000, 32, 2, 6),),
    ),
    DemoProject(
        "Triglav Climate d.o.o.", P, 0, SUBMITTED, "SNOWCAST",
        "Snow-cover nowcasting for the Julian Alps",
        "We test a small video-prediction model for snow cover on LUMI-G to see whether AMD "
        "GPUs suit our training.",
        "video prediction transformer", 150_000_000, 1_500_000_000, "2.5", 85,
        "Port to ROCm, tuning of the data loader, scaling to 32 GCDs.",
        "Copernicus Sentinel-2 imagery and Slovenian weather-station records.",
        "Avalanche and water-supply planning for Slovenian municipalities.",
        (DemoRequest(LUMI_G, 5_000, 32, 2, 5),),
    ),
    DemoProject(
        "Kalyna Language Tech LLC", P, 0, DRAFT, "UKR-SUM",
        "Summarising Ukrainian news for local newsrooms",
        "A trial of fine-tuning an open model for Ukrainian news summarisation.",
        "", 0, 0, "", 0, "", "", "", (),
        filled=("summary", "team"),
    ),
    DemoProject(
        "Aigaio Speech IKE", P, 0, DRAFT, "AIGAIO-TTS",
        "Greek text-to-speech with regional accents",
        "A trial of training a Greek text-to-speech model with regional accents on Leonardo.",
        "diffusion-based speech synthesis", 200_000_000, 1_000_000_000, "1.2", 90,
        "Port and scaling tests of our speech-synthesis training.",
        "", "", (DemoRequest(LEONARDO, 5_000, 16, 1, 2),),
        filled=("summary", "team", "ai_plan", "resources"),
    ),
    # --- Fast Lane: 10,000 to 50,000 GPU-hours, decided per cut-off --------------------------
    DemoProject(
        LUMEN, FL, 0, DRAFT, "LEXFT",
        "Fine-tuning an open 8B model for German and Polish legal drafting",
        "We fine-tune an open 8B-parameter model on German and Polish legal texts so that "
        "small law firms can draft and check contracts in their own language, on their own "
        "servers.",
        "decoder-only transformer (fine-tuning)", 8_000_000_000, 40_000_000_000, "0.9", 85,
        "Continued pre-training on legal corpora, then instruction tuning; evaluated on bar-exam "
        "style questions written with two partner law firms.",
        "Court decisions published by German and Polish courts; EUR-Lex; contracts licensed "
        "from partner firms.",
        "", (DemoRequest(LUMI_G, 36_000, 128, 2, 20),),
        started=-1,
        filled=("summary", "team", "ai_plan", "resources", "software"),
    ),
    DemoProject(
        "Brume AI SAS", FL, -3, SUBMITTED, "BRUME-MED",
        "A French clinical-notes model for hospital coding",
        "We fine-tune a 13B model on de-identified French clinical notes to suggest diagnosis "
        "codes, with two university hospitals as partners.",
        "decoder-only transformer (fine-tuning)", 13_000_000_000, 30_000_000_000, "1.1", 80,
        "Continued pre-training on de-identified notes, then supervised tuning on coded "
        "discharge summaries; evaluation by hospital coders.",
        "De-identified clinical notes from two partner hospitals under a data-processing "
        "agreement.",
        "Faster, more consistent coding in French hospitals.",
        (DemoRequest(JUPITER, 48_000, 256, 3, 30),),
        personal_data=(
            "Notes are de-identified at the hospitals before transfer; the data stays in the "
            "project directory with access for three named people; no data leaves the centre."
        ),
    ),
    DemoProject(
        "Nordlicht Robotics GmbH", FL, -2, SUBMITTED, "GRASP-VLA",
        "Vision-language-action model for warehouse picking",
        "Training a vision-language-action policy for picking irregular parcels, from our "
        "fleet's demonstrations, on MareNostrum 5.",
        "vision-language-action transformer", 3_000_000_000, 20_000_000_000, "45", 90,
        "Behaviour cloning on 40,000 hours of teleoperated demonstrations, then evaluation in "
        "simulation and on two test cells.",
        "Demonstrations recorded by our robots in customer warehouses (no people filmed).",
        "Robots that pick parcels they have never seen.",
        (DemoRequest(MN5_ACC, 42_000, 128, 2, 60),),
    ),
    DemoProject(
        "Alborada Speech S.L.", FL, -2, SUBMITTED, "ALBA-ASR",
        "Speech recognition for Catalan, Valencian and Basque",
        "We train a multilingual speech recogniser for Spain's co-official languages with "
        "accents under-represented in public models.",
        "conformer-transducer", 600_000_000, 12_000_000_000, "9", 90,
        "Pre-training on public speech, then fine-tuning per language; word error rates "
        "reported by accent.",
        "Common Voice, parliamentary recordings, and radio archives licensed to us.",
        "Subtitling and voice interfaces in regional languages.",
        (DemoRequest(LEONARDO, 30_000, 64, 3, 15),),
    ),
    DemoProject(
        "Wisła Semantics sp. z o.o.", FL, -1, SUBMITTED, "PL-RAG",
        "Retrieval-augmented assistant for Polish public administration",
        "We adapt an open 8B model and a retriever to Polish administrative law to answer "
        "citizens' questions with sources.",
        "decoder-only transformer with retriever", 8_000_000_000, 15_000_000_000, "0.6", 75,
        "Continued pre-training on administrative texts; retriever and generator tuned "
        "together; answers checked by civil servants.",
        "Polish legislation and public guidance; questions collected with two municipalities.",
        "Quicker, sourced answers for citizens and civil servants.",
        (DemoRequest(LUMI_G, 28_000, 64, 2, 10),),
        interacts_with_people=True,
    ),
    DemoProject(
        "Ljusglimt AI AB", FL, -1, SUBMITTED, "SAGA-7B",
        "A Scandinavian 7B model: continued pre-training",
        "Continued pre-training of an open 7B model on Swedish, Norwegian and Danish text to "
        "close its gap with English on Nordic benchmarks.",
        "decoder-only transformer", 7_000_000_000, 100_000_000_000, "1.5", 95,
        "Continued pre-training with a Nordic tokenizer extension; evaluation on ScandEval.",
        "Nordic web text (filtered), public-domain books, and parliamentary records.",
        "An open Nordic base model for companies in the region.",
        (DemoRequest(LUMI_G, 50_000, 256, 3, 40),),
        general_purpose=True,
    ),
    DemoProject(
        "Cerfeuil Santé SAS", FL, -1, WITHDRAWN, "DERMA-VIT",
        "Skin-lesion triage from smartphone photos",
        "Fine-tuning a vision transformer to triage skin lesions from smartphone photos.",
        "vision transformer", 300_000_000, 3_000_000_000, "2", 85,
        "Fine-tuning on dermatology image sets; evaluation against dermatologists' labels.",
        "Licensed dermatology image sets.",
        "Earlier referral of suspicious lesions.",
        (DemoRequest(KAROLINA, 3_000, 16, 2, 4),),
        personal_data="Images are pseudonymised; no faces; access limited to two people.",
        withdrawal_reason=(
            "Our hospital partner has not yet signed the data agreement; we will apply again "
            "once it has."
        ),
    ),
    DemoProject(
        "Alpenglühen Weather GmbH", FL, -1, SUBMITTED, "FOEHN",
        "Kilometre-scale precipitation downscaling for the Alps",
        "We train a diffusion model that downscales precipitation forecasts to one kilometre "
        "over the Alps for hydropower operators.",
        "diffusion model (downscaling)", 500_000_000, 5_000_000_000, "30", 90,
        "Training on ten years of reanalysis paired with radar; verification against station "
        "data.",
        "ERA5 reanalysis, national radar composites, station observations.",
        "Better inflow forecasts for alpine hydropower.",
        (DemoRequest(MELUXINA, 9_000, 64, 3, 25),),
    ),
    DemoProject(
        "Revontuli Models Oy", FL, 0, SUBMITTED, "FINNISH-CODE",
        "A Finnish-aware code assistant",
        "Fine-tuning an open code model on Finnish documentation and code comments for "
        "software teams in Finnish public bodies.",
        "decoder-only transformer (code)", 7_000_000_000, 25_000_000_000, "0.8", 80,
        "Instruction tuning on Finnish-commented code; evaluation on translated HumanEval.",
        "Permissively licensed code; Finnish documentation of public bodies.",
        "Faster development in Finnish-speaking teams.",
        (DemoRequest(LUMI_G, 32_000, 128, 2, 12),),
    ),
    DemoProject(
        "Dijkstra Vision B.V.", FL, 0, SUBMITTED, "DV-DEPTH",
        "Monocular depth for bicycle-lane safety cameras",
        "We train a monocular depth model for Dutch bicycle-lane cameras that runs on the "
        "camera itself.",
        "vision transformer (depth estimation)", 350_000_000, 6_000_000_000, "18", 90,
        "Training with distillation from a large teacher; quantised for edge devices.",
        "Footage from municipal cameras, blurred at source; public depth sets.",
        "Fewer collisions at busy crossings.",
        (DemoRequest(MN5_ACC, 24_000, 64, 2, 30),),
        personal_data=(
            "Faces and number plates are blurred on the camera; the raw footage never leaves "
            "the municipality."
        ),
    ),
    DemoProject(
        "Fyrtårn Maritime ApS", FL, 0, SUBMITTED, "SHIPWAKE",
        "Ship detection in radar satellite imagery",
        "Training a detector for small vessels in Sentinel-1 radar imagery for Danish "
        "fisheries control.",
        "convolutional detector", 80_000_000, 2_000_000_000, "12", 90,
        "Self-supervised pre-training on unlabelled scenes, then detection fine-tuning.",
        "Copernicus Sentinel-1 and AIS vessel tracks.",
        "Illegal-fishing alerts within an hour of a satellite pass.",
        (DemoRequest(KAROLINA, 4_000, 32, 2, 15),),
    ),
    DemoProject(
        "Moselle Fintech S.à r.l.", FL, 0, DRAFT, "MOSELLE-AML",
        "Graph models for anti-money-laundering alerts",
        "Training graph neural networks that reduce false alerts in transaction monitoring.",
        "graph neural network", 50_000_000, 0, "3", 90,
        "", "", "", (),
        filled=("summary", "team"),
    ),
    DemoProject(
        "Schelde Legal AI BV", FL, 0, DRAFT, "SCHELDE-NL",
        "Dutch and French contract review",
        "Fine-tuning an open model to review contracts in Dutch and French for Belgian SMEs.",
        "decoder-only transformer (fine-tuning)", 8_000_000_000, 10_000_000_000, "0.3", 70,
        "Instruction tuning on annotated contracts; evaluation by partner lawyers.",
        "Contracts annotated by partner law firms under licence.",
        "Affordable contract review for small companies.",
        (DemoRequest(LEONARDO, 20_000, 64, 1, 5),),
        filled=ALL_SECTIONS,
    ),
    # --- Large Scale: more than 50,000 GPU-hours, peer reviewed, one cut-off a month --------
    DemoProject(
        "Matterhorn Protein AG", LS, -2, SUBMITTED, "MH-FOLD",
        "A protein language model for enzyme design",
        "Pre-training a 3B-parameter protein language model on metagenomic sequences to design "
        "enzymes for food processing.",
        "encoder transformer (protein language model)", 3_000_000_000, 500_000_000_000, "8", 95,
        "Pre-training on clustered metagenomic sequences; fine-tuning on assay data from our "
        "lab; wet-lab validation of 200 designs.",
        "UniRef, MGnify and our own assay data.",
        "Enzymes that make food processing cheaper and cleaner.",
        (DemoRequest(JUPITER, 900_000, 1024, 6, 80),),
        keywords=("protein language models", "enzyme design", "bioinformatics"),
    ),
    DemoProject(
        "Cliffside Genomics Ltd", LS, -2, SUBMITTED, "CG-VARIANT",
        "Predicting the effect of rare genetic variants",
        "Training a genomic foundation model to predict the effect of rare variants, with "
        "CPU-heavy alignment and GPU training.",
        "long-context DNA transformer", 1_000_000_000, 300_000_000_000, "60", 90,
        "Alignment and variant calling on CPUs; pre-training on reference genomes; evaluation "
        "on clinical variant sets.",
        "1000 Genomes, gnomAD summary statistics, public reference genomes.",
        "Faster interpretation of rare variants in clinical genetics.",
        (DemoRequest(MN5_ACC, 400_000, 512, 6, 120), DemoRequest(MN5_GPP, 8_000_000, 64, 6, 40)),
        keywords=("genomics", "long-context transformers", "bioinformatics"),
    ),
    # The peer-reviewed cut-off of the demo (reviews.demo_reviews): reviewed by the pool.
    DemoProject(
        "Lagunare AI S.r.l.", LS, -2, SUBMITTED, "LAGUNA-13B",
        "An Italian 13B model for public administration and tourism",
        "Continued pre-training of an open 13B model on Italian administrative and cultural "
        "text, then instruction tuning for municipalities and tourism boards.",
        "decoder-only transformer", 13_000_000_000, 400_000_000_000, "4", 95,
        "Continued pre-training with an Italian tokenizer extension; instruction tuning on "
        "questions collected with three municipalities; evaluation on Italian benchmarks.",
        "Italian web text (filtered), public-administration documents, licensed guidebooks.",
        "An Italian-first model that small municipalities can host themselves.",
        (DemoRequest(LEONARDO, 520_000, 512, 6, 60),),
        interacts_with_people=True,
        keywords=("large language models", "multilingual NLP", "instruction tuning"),
    ),
    DemoProject(
        "Kuusi Forestry Data Oy", LS, -2, SUBMITTED, "TAIGA-EO",
        "Forest carbon mapping from lidar and satellite images",
        "Training a multimodal foundation model on airborne lidar and Sentinel-2 images to map "
        "forest biomass and carbon stock across the Nordic countries.",
        "multimodal vision transformer", 1_200_000_000, 150_000_000_000, "180", 90,
        "Self-supervised pre-training on paired lidar and satellite tiles; fine-tuning on "
        "national forest inventory plots; validation against field measurements.",
        "Copernicus Sentinel-2, national airborne lidar surveys, forest inventory plots.",
        "Carbon accounting that forest owners and buyers of offsets can check.",
        (DemoRequest(LUMI_G, 380_000, 512, 6, 250),),
        keywords=("earth observation", "remote sensing", "self-supervised learning"),
    ),
    DemoProject(
        "Fjärran Audio AB", LS, -2, SUBMITTED, "SKALD-AUDIO",
        "A speech and audio foundation model for the Nordic languages",
        "Pre-training a speech foundation model on 400,000 hours of Nordic audio for "
        "recognition, translation and voice interfaces.",
        "conformer encoder (self-supervised speech)", 2_000_000_000, 30_000_000_000, "90", 95,
        "Self-supervised pre-training on unlabelled audio; fine-tuning for recognition in five "
        "languages; word error rates reported by dialect.",
        "Public broadcast archives licensed to us, parliamentary recordings, Common Voice.",
        "Voice interfaces that work for speakers of every Nordic dialect.",
        (DemoRequest(JUPITER, 450_000, 512, 6, 150),),
        keywords=("speech recognition", "self-supervised learning", "multilingual NLP"),
    ),
    DemoProject(
        "Bursztyn Robotics sp. z o.o.", LS, -2, SUBMITTED, "AMBER-VLA",
        "A vision-language-action model for mobile manipulators",
        "Training a 7B vision-language-action model for mobile manipulators in factories, from "
        "simulation and 60,000 hours of demonstrations.",
        "vision-language-action transformer", 7_000_000_000, 80_000_000_000, "70", 90,
        "Pre-training in simulation, then behaviour cloning on demonstrations; evaluation on "
        "six tasks in two partner factories.",
        "Demonstrations recorded by our robots (no people filmed); simulated episodes.",
        "Robots that a factory can teach a new task in a day.",
        (DemoRequest(MN5_ACC, 600_000, 512, 6, 120),),
        keywords=("robotics", "vision-language models", "reinforcement learning"),
    ),
    DemoProject(
        "Triglav Climate d.o.o.", LS, -2, SUBMITTED, "KRAS-CLIMATE",
        "A machine-learned weather model for Central and South-East Europe",
        "Training a graph neural network weather model at 5 km over Central and South-East "
        "Europe, for flood warnings in karst catchments.",
        "graph neural network (weather)", 400_000_000, 2_000_000_000, "120", 90,
        "Training on forty years of regional reanalysis; verification against stations and "
        "radar; case studies of past floods.",
        "ERA5 and CERRA reanalysis, national station and radar data.",
        "Earlier flood warnings for karst regions.",
        (DemoRequest(LEONARDO, 240_000, 256, 6, 90),),
        keywords=("weather forecasting", "graph neural networks", "climate"),
    ),
    DemoProject(
        "Cierzo Energy Analytics S.L.", LS, -2, SUBMITTED, "CIERZO-GRID",
        "Forecasting wind power and grid congestion across Iberia",
        "Training a spatio-temporal model that forecasts wind power and grid congestion across "
        "Spain and Portugal two days ahead.",
        "spatio-temporal transformer", 600_000_000, 50_000_000_000, "35", 90,
        "Training on ten years of turbine and grid data with weather forecasts as input; "
        "verification against the grid operators' own forecasts.",
        "SCADA data from partner wind farms, grid operators' open data, ECMWF forecasts.",
        "Fewer curtailed wind-hours and cheaper balancing.",
        (DemoRequest(MN5_ACC, 180_000, 128, 6, 40), DemoRequest(MN5_GPP, 3_000_000, 64, 6, 20)),
        keywords=("energy forecasting", "time series", "weather forecasting"),
    ),
    DemoProject(
        "Gintaras Vision UAB", LS, -2, SUBMITTED, "GINTARAS-DOC",
        "Reading handwritten Baltic archives with a vision-language model",
        "Fine-tuning a vision-language model to transcribe handwritten Lithuanian, Latvian and "
        "Polish archive records from the 18th to the 20th century.",
        "vision-language transformer", 8_000_000_000, 20_000_000_000, "25", 85,
        "Pre-training on synthetic handwriting, then fine-tuning on transcribed pages; "
        "character error rates reported by century and script.",
        "Scans from three national archives under agreement; transcriptions by volunteers.",
        "Searchable archives for historians and families.",
        (DemoRequest(LUMI_G, 160_000, 256, 6, 40),),
        keywords=("vision-language models", "document understanding", "multilingual NLP"),
    ),
    DemoProject(
        "Wisła Semantics sp. z o.o.", LS, -2, SUBMITTED, "WISLA-LEGAL",
        "A Polish legal model with verifiable citations",
        "Continued pre-training of an open 8B model on Polish law and case law, with answers "
        "that cite the provisions they rely on.",
        "decoder-only transformer with retriever", 8_000_000_000, 120_000_000_000, "2", 85,
        "Continued pre-training, then retrieval-augmented tuning; answers checked against the "
        "cited provisions by lawyers.",
        "Polish legislation and published case law; commentaries licensed from a publisher.",
        "Legal answers that cite their sources, for small firms and citizens.",
        (DemoRequest(LUMI_G, 200_000, 256, 6, 20),),
        keywords=("large language models", "retrieval-augmented generation", "legal NLP"),
    ),
    DemoProject(
        "Revontuli Models Oy", LS, -1, SUBMITTED, "POHJOLA-30B",
        "A 30B open model for the Nordic and Baltic languages",
        "Pre-training a 30B-parameter model from scratch on Nordic and Baltic languages, with "
        "openly released weights.",
        "decoder-only transformer", 30_000_000_000, 1_000_000_000_000, "12", 100,
        "Pre-training in three stages with data-mixture ablations at 1B scale first; "
        "evaluation on ScandEval and Baltic benchmarks.",
        "Filtered web text in eight languages, national library collections, code.",
        "An open base model that Nordic and Baltic companies can build on.",
        (DemoRequest(LUMI_G, 1_200_000, 1024, 6, 200),),
        general_purpose=True,
    ),
    DemoProject(
        "Brume AI SAS", LS, -1, SUBMITTED, "BRUME-34B",
        "A French-first 34B model for regulated industries",
        "Pre-training a 34B model with a French-first data mixture and auditable data "
        "provenance for banks and insurers.",
        "decoder-only transformer", 34_000_000_000, 800_000_000_000, "10", 100,
        "Pre-training with documented data provenance; alignment for regulated use; red-team "
        "evaluation with two insurers.",
        "Licensed French press and book archives, public-sector data, filtered web text.",
        "A model French regulated industries can audit and host themselves.",
        (DemoRequest(LUMI_G, 1_100_000, 1024, 6, 180), DemoRequest(LEONARDO, 300_000, 512, 6)),
        general_purpose=True,
        interacts_with_people=True,
    ),
    DemoProject(
        "Tulpenveld Agritech B.V.", LS, 0, SUBMITTED, "TULIP-EO",
        "Crop-yield foundation model from satellite time series",
        "Training a foundation model on ten years of Sentinel-2 time series to forecast crop "
        "yields across Europe.",
        "spatio-temporal transformer", 1_500_000_000, 200_000_000_000, "250", 90,
        "Self-supervised pre-training on Sentinel-2 time series; fine-tuning on yield records "
        "from cooperatives in four countries.",
        "Copernicus Sentinel-2; yield records from farming cooperatives under contract.",
        "Earlier, better yield forecasts for farmers and food buyers.",
        (DemoRequest(MN5_ACC, 250_000, 256, 6, 300),),
    ),
    DemoProject(
        "Vesuvio Materials S.r.l.", LS, 0, DRAFT, "VM-ALLOY",
        "Machine-learned interatomic potentials for light alloys",
        "Training equivariant interatomic potentials on DFT data to screen light alloys.",
        "equivariant graph neural network", 100_000_000, 0, "40", 80,
        "DFT data generation on CPUs, then potential training on GPUs.",
        "", "", (DemoRequest(MN5_GPP, 6_000_000, 128, 6, 50),),
        filled=("summary", "team", "ai_plan", "resources"),
    ),
    DemoProject(
        "Balaton Bio Kft.", LS, 0, DRAFT, "BB-CELL",
        "Cell-image foundation model for drug screening",
        "Pre-training a vision model on microscopy images from high-content drug screens.",
        "vision transformer (self-supervised)", 1_000_000_000, 0, "120", 95,
        "", "", "", (),
        filled=("summary",),
    ),
)  # fmt: skip


# An owner mistypes a colleague's address ("Girad" for "Girard"): the mail server of the
# organisation answers 550 to each attempt, and the portal gives the invitation up.
UNDELIVERABLE_INVITATION = ("Brume AI SAS", "theo.girad@brume.example")
