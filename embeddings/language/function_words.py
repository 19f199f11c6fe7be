# ruff: noqa: RUF001 (the letters of the languages, not look-alikes)
"""The function words the lexical side drops, a short list a language, and titles.

Each list holds only the commonest articles, prepositions, conjunctions, pronouns,
auxiliaries and question words, lower-cased, as written (before stemming). A long list
would drop words questions hinge on ("first", "many", "years") and cost recall; BM25's
weights already make the remaining common words count for little. Words of one letter
are never indexed, so they need not be listed. A language without a list keeps every word.
"""

from __future__ import annotations

TITLES = {
    "en": "mr mrs ms dr prof",
    "de": "dr prof",
    "es": "sr sra dr dra",
    "fr": "m mme mlle dr",
    "it": "sig dott prof",
    "pt": "sr sra dr dra",
}
"""Titles before a name, dropped like function words ("Mr. Price" is Price); the full
stop after one ends no sentence."""

FUNCTION_WORDS = {
    "en": """
        a an the of in on at to into from by with for as about and or but if than that
        this these those is are was were be been being am do does did what which who
        whom whose when where why how it its he she they them his her their i you we our
        us your many much has have had will would can could should
    """,
    "de": """
        der die das den dem des ein eine einen einem einer eines und oder aber im in am
        an auf aus bei mit nach von vom zu zum zur für über um durch ist sind war waren
        wird werden wurde wurden hat haben hatte sein ich du er sie es wir ihr sich wer
        was wie wo wann warum welche welcher dass als auch
    """,
    "es": """
        el la los las un una unos unas de del al en con por para sin sobre entre pero
        que qué quién quien cuál cual cuándo cuando dónde donde cómo como es son fue
        fueron era ser ha han había está están se su sus lo le les él ella ellos ellas
        yo nos este esta estos estas ese esa
    """,
    "fr": """
        le la les un une des du de au aux et ou mais en dans sur sous par pour avec sans
        que qu qui quoi quel quelle quels quelles est sont était étaient été être avoir
        ont avait il elle ils elles on nous vous je tu lui leur leurs son sa ses ce cet
        cette ces comment où quand pourquoi
    """,
    "it": """
        il lo la gli le un una uno di del della dei degli delle dell da dal dalla in nel
        nella nell su sul sulla con per tra fra ed ma che chi cosa quale quando dove come
        perché è sono era erano stato stata essere ha hanno aveva si suo sua suoi sue lui
        lei loro noi voi io questo questa quello quella
    """,
    "pt": """
        os as um uma uns umas de do da dos das no na nos nas em ao aos às por pelo pela
        para com sem sobre ou mas que quem qual quando onde como porque é são foi foram
        era ser estar está estão tem têm tinha ele ela eles elas se seu sua seus suas eu
        nós você isso este esta esse essa
    """,
    "nl": """
        de het een en of maar in op aan van voor met bij uit naar om door over tot te is
        zijn was waren wordt worden werd heeft hebben had hij zij ze wij we ik jij je hun
        haar dat die dit deze wat wie welke waar wanneer hoe waarom er
    """,
    "ru": """
        во на со ко по об от до из за для при без над под но или что кто как где когда
        почему какой какая какие это этот эта эти тот та то же ли бы он она оно они мы
        вы ты его её ее их был была было были быть есть будет также
    """,
    "uk": """
        та із зі до від по про за для при без над під але або що хто як де коли чому
        який яка які це цей ця ці той він вона воно вони ми ви ти його її їх був була
        було були бути є також
    """,
    "pl": """
        we na ze do od po za dla przy bez nad pod ale lub czy że co kto jak gdzie kiedy
        dlaczego który która które jest są był była było były być ma mają on ona ono oni
        one my wy ja ty jego jej ich się to ten ta te tego
    """,
    "sv": """
        och på av för med till från om en ett den det de som är var har hade att vad vem
        hur när varför han hon vi ni jag du sig sin sitt sina deras hans hennes
    """,
    "da": """
        og på af for med til fra om en et den det de der som er var har havde at hvad
        hvem hvordan hvor hvornår hvorfor han hun vi jeg du sig sin sit sine deres hans
        hendes
    """,
    "no": """
        og på av for med til fra om en et ei den det de som er var har hadde at hva
        hvem hvordan hvor når hvorfor han hun vi jeg du seg sin sitt sine deres hans
        hennes
    """,
    "fi": """
        ja tai mutta että kun jos on ovat oli olivat ole olla se ne hän he me te minä
        sinä mikä mitä kuka ketkä miten missä milloin miksi joka jotka tämä nämä tuo
    """,
    "tr": """
        ve veya ile ama fakat için gibi kadar bu şu bir da de mi mı mu mü ne kim nasıl
        nerede neden hangi ben sen biz siz onlar onun olan oldu olarak
    """,
    "ro": """
        și în la de pe cu din pentru prin despre un unui unei ai al ale care ce cine cum
        unde când este sunt era fost au fi el ea ei ele noi voi eu se să
    """,
    "hu": """
        az egy és vagy de hogy mint is van volt vannak lesz ez azt ők mi ti én te ki mit
        hol mikor miért hogyan
    """,
    "el": """
        το οι τα του της των τον την ένας μία ένα και αλλά σε στο στη στην στον στα στους
        στις από με για ως που ποιος ποια ποιο πώς πού πότε γιατί είναι ήταν θα να αυτός
        αυτή αυτό αυτοί
    """,
    "ar": """
        في من إلى على عن مع هذا هذه ذلك تلك التي الذي الذين هو هي هم أن إن كان كانت قد
        ما ماذا متى أين كيف لماذا أو ثم
    """,
}
"""Per ISO 639-1 code, whitespace-separated."""
