"""Demo threads of learning networks (Norwegian bokmål, as the demo municipality speaks).

``TOPICS``: per topic (``demo_content.NETWORKS``), threads as (title, kind, opening
message); ``REPLIES`` per topic and ``GENERIC_REPLIES`` give the answers.
"""

from __future__ import annotations

TOPICS: dict[str, list[tuple[str, str, str]]] = {
    "digital_care": [
        (
            "Erfaringer med digitalt tilsyn om natten",
            "experience",
            "### Situasjon\n\nVi har prøvd digitalt tilsyn om natten hos 14 brukere i sone nord.\n\n### Hva vi gjorde\n\nKameraene ble slått på etter samtykke, og nattpatruljen fikk varsel på nettbrettet.\n\n### Hva vi lærte\n\nFærre unødvendige besøk og bedre søvn for brukerne, men samtykket må følges opp jevnlig.\n\n### Hva vi gjør neste gang\n\nVi lager en fast rutine for revurdering hver tredje måned.",
        ),
        (
            "Medisindispenser: hvem fyller på?",
            "question",
            "Hos oss er det uklart om det er sykepleier eller helsefagarbeider som fyller dispenseren. Hvordan har dere løst det?",
        ),
        (
            "Opplæring i nytt fagsystem",
            "discussion",
            "Vi får nytt fagsystem til høsten. Har noen laget korte opplæringsvideoer vi kan låne?",
        ),
        (
            "Når teknologien svikter",
            "discussion",
            "Hva gjør dere når en trygghetsalarm ikke svarer? Vi trenger en felles prosedyre.",
        ),
        (
            "Pårørende og velferdsteknologi",
            "experience",
            "Vi inviterte pårørende til en kveld om sensorer og GPS. Det ga mye tryggere samtaler etterpå.",
        ),
        (
            "Nettbrett til brukerne",
            "question",
            "Er det noen som har erfaring med videosamtaler med brukere som bor alene?",
        ),
    ],
    "privacy": [
        (
            "Bilder av elever på skolens nettside",
            "question",
            "Trenger vi nytt samtykke hvert år for bilder på nettsiden, eller holder det med ett ved skolestart?",
        ),
        (
            "Avvik: e-post sendt til feil mottaker",
            "experience",
            "### Situasjon\n\nEn e-post med elevopplysninger gikk til feil forelder.\n\n### Hva vi gjorde\n\nVi meldte avvik samme dag og ba mottakeren slette e-posten.\n\n### Hva vi lærte\n\nAutofullføring av adresser er en felle.\n\n### Hva vi gjør neste gang\n\nSensitive opplysninger sendes bare gjennom den sikre løsningen.",
        ),
        (
            "Taushetsplikt i samarbeidsmøter",
            "discussion",
            "Hvor går grensen for hva vi kan si om en elev i tverrfaglige møter uten samtykke?",
        ),
        (
            "DPIA for ny læringsplattform",
            "question",
            "Har noen en mal for vurdering av personvernkonsekvenser vi kan gjenbruke?",
        ),
        (
            "Deling av filer med foresatte",
            "discussion",
            "Vi bruker fortsatt vanlig e-post for noen vedlegg. Hva er trygg praksis?",
        ),
        (
            "Phishing-forsøk denne uken",
            "experience",
            "Flere fikk e-post som så ut som den kom fra lønn. Sjekk avsenderadressen, og meld fra til IT.",
        ),
    ],
    "leaders": [
        (
            "Bemanning i sommerferien",
            "discussion",
            "Hvordan planlegger dere sommeren i år? Vi sliter med å få nok vikarer med riktig kompetanse.",
        ),
        (
            "Kompetanseplan for 2025",
            "question",
            "Hvor langt har dere kommet med kompetanseplanen? Bruker dere KS' sjustegsmodell?",
        ),
        (
            "Læringsstopp som faktisk blir gjennomført",
            "experience",
            "### Situasjon\n\nLæringsstoppene forsvant ofte i driften.\n\n### Hva vi gjorde\n\nVi la dem inn i årshjulet med fast tid og ansvarlig.\n\n### Hva vi lærte\n\nNår tiden er satt av, kommer folk.\n\n### Hva vi gjør neste gang\n\nVi evaluerer hvert stopp med tre spørsmål.",
        ),
        (
            "Sykefravær: hva har virket?",
            "discussion",
            "Vi har hatt god effekt av tett oppfølging de første dagene. Hva gjør dere?",
        ),
        (
            "Heltid i turnus",
            "experience",
            "Vi prøvde langvakter i helgene. Flere fikk større stillinger, men noen ble slitne. Vi justerer nå.",
        ),
        (
            "Utviklingssamtaler med mange ansatte",
            "question",
            "Jeg har 45 ansatte. Hvordan rekker dere utviklingssamtaler med alle?",
        ),
        (
            "Budsjett og kompetansemidler",
            "discussion",
            "Hvordan prioriterer dere når kompetansemidlene ikke strekker til?",
        ),
    ],
    "participation": [
        (
            "Medvirkning med barn i planarbeid",
            "experience",
            "### Situasjon\n\nVi skulle planlegge en ny park.\n\n### Hva vi gjorde\n\nTredjeklassinger tegnet og gikk barnetråkk med oss.\n\n### Hva vi lærte\n\nBarna så snarveier og farlige kryss vi ikke hadde sett.\n\n### Hva vi gjør neste gang\n\nVi tar med barna tidligere i prosessen.",
        ),
        (
            "Åpent møte som ingen kom på",
            "discussion",
            "Vi inviterte til åpent møte om sentrumsplanen, men bare fem kom. Hvordan når vi flere?",
        ),
        (
            "Digital innbyggerdialog",
            "question",
            "Er det noen som har brukt digitale kart der innbyggerne kan legge inn innspill?",
        ),
        (
            "Samarbeid med frivillige lag",
            "experience",
            "Idrettslaget hjalp oss med å nå ungdom vi aldri hadde nådd ellers.",
        ),
        (
            "Tilbakemelding til dem som ga innspill",
            "discussion",
            "Innbyggerne sier de aldri hører hva som skjedde med innspillene. Hvordan lukker vi sløyfa?",
        ),
    ],
    "school": [
        (
            "Lesekurs på 2. trinn",
            "experience",
            "Vi har hatt lesekurs i seks uker med små grupper. Nesten alle elevene gikk opp et nivå.",
        ),
        (
            "Tilbakemeldinger som elevene bruker",
            "discussion",
            "Hvordan får vi elevene til å lese og bruke tilbakemeldingene vi skriver?",
        ),
        (
            "Skjermtid i klasserommet",
            "question",
            "Har dere felles regler for bruk av nettbrett i småskolen?",
        ),
        (
            "Samarbeid med PPT",
            "discussion",
            "Ventetiden hos PPT er lang. Hva gjør dere mens dere venter?",
        ),
        (
            "Veiledning av nyutdannede",
            "experience",
            "Mentorordningen vår ga nyutdannede lærere en tryggere start. Her er hva vi gjorde.",
        ),
        (
            "Vurderingskriterier på ungdomstrinnet",
            "question",
            "Lager dere kriterier sammen med elevene? Hvordan?",
        ),
    ],
    "kindergarten": [
        (
            "Språkgrupper for flerspråklige barn",
            "experience",
            "Vi har hatt språkgrupper med bildebøker og sang to ganger i uka. Foreldrene merker forskjell.",
        ),
        (
            "Overgang barnehage-skole",
            "discussion",
            "Hvilke opplysninger kan vi dele med skolen, og hvordan gjør vi det trygt?",
        ),
        (
            "Bekymring for et barn",
            "question",
            "Når kontakter dere barnevernet, og når tar dere det først med PPT?",
        ),
        (
            "Foreldresamtaler med tolk",
            "experience",
            "Vi bestiller tolk til alle samtaler når det trengs. Det tar tid, men misforståelsene blir færre.",
        ),
        (
            "Tidlig innsats i praksis",
            "discussion",
            "Hva betyr tidlig innsats for dere i hverdagen?",
        ),
    ],
    "health": [
        (
            "Miljøbehandling ved uro",
            "experience",
            "Musikk og faste rutiner på ettermiddagen har gitt mindre uro i skjermet enhet.",
        ),
        (
            "Avvik i legemiddelhåndteringen",
            "discussion",
            "Vi har hatt flere avvik ved vaktskifte. Hva har dere gjort for å få ned tallet?",
        ),
        (
            "Samarbeid med fastlegene",
            "question",
            "Hvordan får dere raskt svar fra fastlegen når en bruker blir dårligere?",
        ),
        (
            "Pårørendesamarbeid",
            "experience",
            "Pårørendekafé hver måned har gjort det lettere å ta de vanskelige samtalene.",
        ),
        (
            "Hverdagsrehabilitering",
            "discussion",
            "Hvordan velger dere ut hvem som får tilbud om hverdagsrehabilitering?",
        ),
        (
            "Ernæring hos hjemmeboende eldre",
            "question",
            "Bruker dere et fast verktøy for å kartlegge ernæring?",
        ),
    ],
    "digital_work": [
        (
            "Teams-kanaler eller e-post?",
            "discussion",
            "Når bruker dere Teams og når e-post? Vi har mistet oversikten.",
        ),
        (
            "Mal for klarspråksbrev",
            "experience",
            "Vi skrev om standardbrevet om vedtak. Klagene gikk ned og telefonene ble færre.",
        ),
        (
            "Hvilke oppgaver egner seg for automatisering?",
            "question",
            "Vi ser på fakturamottak og refusjon av sykepenger. Hvor har dere startet?",
        ),
        (
            "Deling i SharePoint",
            "question",
            "Hvordan gir vi tilgang til en ekstern samarbeidspartner uten at alt blir åpent?",
        ),
        (
            "Språkmodeller og taushetsplikt",
            "discussion",
            "Hva er greit å lime inn i en språkmodell, og hva er det ikke?",
        ),
        (
            "Søknad om tilskudd: tips",
            "experience",
            "Vi fikk midler fra Statsforvalteren i år. Det som hjalp var en tydelig plan for evaluering.",
        ),
    ],
    "welfare": [
        (
            "Ungdom uten jobb eller skole",
            "discussion",
            "Hvordan samarbeider dere med NAV om ungdom som har falt ut av videregående?",
        ),
        (
            "Norskopplæring og arbeidspraksis",
            "experience",
            "Vi kombinerte norskkurs med praksis i barnehage. Flere fikk fast jobb etter et år.",
        ),
        (
            "Samtykke til samarbeid",
            "question",
            "Har dere et felles samtykkeskjema for samarbeid mellom tjenestene?",
        ),
        (
            "Veiledning i krevende saker",
            "discussion",
            "Hvordan organiserer dere kollegaveiledning i saker som tar på?",
        ),
    ],
    "city": [
        (
            "Energisparing i skolebygg",
            "experience",
            "Nattsenking og bedre styring av ventilasjon sparte oss 12 prosent strøm.",
        ),
        (
            "Øvelse på vannforsyning",
            "experience",
            "### Situasjon\n\nVi øvde på forurenset drikkevann.\n\n### Hva vi gjorde\n\nVi varslet innbyggerne med SMS og satte opp vannposter.\n\n### Hva vi lærte\n\nVarslingslistene var ikke oppdatert.\n\n### Hva vi gjør neste gang\n\nVi sjekker listene hvert kvartal.",
        ),
        (
            "Klimakrav i anskaffelser",
            "question",
            "Hvordan vekter dere klimakrav mot pris i bygg- og anleggskontrakter?",
        ),
        (
            "Ombruk av møbler",
            "discussion",
            "Har noen fått til ombruk av møbler mellom virksomhetene?",
        ),
    ],
}

REPLIES: dict[str, list[str]] = {
    "digital_care": [
        "Hos oss fyller sykepleier på, men helsefagarbeider kontrollerer. Det har fungert fint.",
        "Vi har samme erfaring. Samtykket må følges opp, ellers blir det fort glemt.",
        "Vi har laget en sjekkliste for nattpatruljen. Jeg kan dele den her.",
        "Husk å melde avvik når alarmen ikke svarer, selv om det ordner seg.",
        "Brukerne våre var skeptiske først, men nå vil ingen være uten.",
    ],
    "privacy": [
        "Vi spør om samtykke ved skolestart og minner om at det kan trekkes når som helst.",
        "Personvernombudet har en mal for DPIA. Spør henne direkte.",
        "Godt at dere meldte avvik med en gang. Det er slik vi lærer.",
        "Vi bruker den sikre meldingstjenesten for alt som gjelder enkeltelever.",
        "Det er lurt å skru av autofullføring i e-postprogrammet.",
    ],
    "leaders": [
        "Vi har god erfaring med å starte sommerplanleggingen i januar.",
        "Vi har delt utviklingssamtalene mellom meg og fagutviklerne.",
        "Sjustegsmodellen hjalp oss å se hva vi faktisk trenger om tre år.",
        "Tett oppfølging og tilrettelegging tidlig har virket best hos oss også.",
        "Vi bør ta dette opp på neste læringsstopp.",
    ],
    "participation": [
        "Vi fikk mange flere innspill da vi stod på kjøpesenteret en lørdag.",
        "Barnetråkk er gull. Vi bruker det i alle reguleringsplaner nå.",
        "Vi sender en kort oppsummering til alle som ga innspill. Det blir satt pris på.",
        "Frivilligsentralen kan hjelpe med å nå eldre som ikke er digitale.",
    ],
    "school": [
        "Vi gjør det samme på 3. trinn. Små grupper er nøkkelen.",
        "Elevene bruker tilbakemeldingene når de får tid til å jobbe med dem i timen.",
        "Vi har felles regler på trinnet og tar dem opp på foreldremøtet.",
        "Mentorordningen har betydd mye for meg som nyutdannet.",
        "Kan vi dele opplegget i nettverket? Vi vil gjerne prøve.",
    ],
    "kindergarten": [
        "Sang og rim fungerer godt også for de minste.",
        "Vi har en overgangssamtale med foreldrene til stede. Da er samtykket på plass.",
        "Ta kontakt med barnevernet for en anonym drøfting først.",
        "Tolk gjør en stor forskjell. Det er verdt tiden.",
    ],
    "health": [
        "Vi har innført dobbeltkontroll ved vaktskiftet. Avvikene gikk ned.",
        "Pårørendekafé høres flott ut. Hvordan inviterer dere?",
        "Vi bruker MNA for ernæringskartlegging. Det er enkelt å komme i gang.",
        "Hverdagsrehabilitering gir best effekt når vi starter tidlig.",
        "Fastlegekontoret vårt har en egen telefon for hjemmetjenesten. Det hjelper.",
    ],
    "digital_work": [
        "Vi bruker Teams for samarbeid og e-post for det som skal arkiveres.",
        "Klarspråk lønner seg. Færre telefoner betyr mer tid til saksbehandling.",
        "Start med en prosess som er regelstyrt og har mange saker.",
        "Aldri lim inn personopplysninger i en åpen språkmodell.",
        "Del gjerne søknaden. Det hjelper oss som skal søke neste år.",
    ],
    "welfare": [
        "Vi har faste møter med NAV hver fjortende dag om ungdommene.",
        "Praksis kombinert med norskopplæring er det som virker best.",
        "Vi har et felles samtykkeskjema. Jeg legger det ut her.",
        "Kollegaveiledning annenhver uke har gjort det lettere å stå i tunge saker.",
    ],
    "city": [
        "Nattsenking har vi også. Hvor mye sparte dere på ventilasjonen?",
        "Vi vekter klima 30 prosent i de fleste byggekontrakter.",
        "Vi har en intern ombruksportal. Den er enkel og brukes mye.",
        "Oppdaterte varslingslister er vanskelig. Vi har samme problem.",
    ],
}

GENERIC_REPLIES = [
    "Takk for at du deler!",
    "Dette kjenner jeg meg igjen i.",
    "Kan vi ta dette opp på neste samling?",
    "Veldig nyttig. Jeg tar det med til teamet mitt.",
    "Vi har prøvd noe lignende, men med blandet resultat. Hva var det viktigste for dere?",
    "Godt spørsmål. Jeg har ikke et svar, men følger med.",
    "Enig. Det handler mest om å sette av tid.",
    "Har du et eksempel du kan dele?",
    "Vi gjorde det slik i fjor, og det fungerte godt.",
    "Interessant. Hvordan tok de ansatte det imot?",
]
